"""A remix: a new job made from an earlier one of the same tenant, with a new instruction.

The child keeps the parent's stored photo and options, appends the instruction to the brief
and takes a new seed (the same brief + seed would plan the same video again), and records
its parent in `parent_id`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from pydantic import ValidationError

from aistudio.artifacts import JobKind
from aistudio.errors import InputError
from aistudio.jobs import intake
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.requests import VideoRequest, fingerprint
from aistudio.jobs.service import new_job_id
from aistudio.settings import Settings

KINDS: dict[str, JobKind] = {"promo": "promo", "fashion": "fashion", "ugc": "ugc"}
MAX_CONTENT = 4000  # VideoRequest.content's limit: the remixed brief must still fit it


def remix_request(parent: JobRow, prompt: str, seed: int) -> VideoRequest:
    """The parent's body with `prompt` appended to its brief and a new seed."""
    body = dict(parent.request)
    content = f"{parent.user_content.rstrip()}\n{prompt.strip()}"
    if len(content) > MAX_CONTENT:
        raise InputError(
            f"the remixed brief would be {len(content)} characters; the brief "
            f"and prompt together may have at most {MAX_CONTENT}"
        )
    body.update(content=content, seed=seed)
    # A child is no one's webhook target unless asked; the photo is the parent's, stored.
    for key in ("webhook_url", "reference_image_b64", "reference_image_url"):
        body.pop(key, None)
    try:
        return VideoRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def remix_row(
    parent: JobRow,
    prompt: str,
    tenant: str,
    settings: Settings,
    *,
    idempotency_key: str | None = None,
) -> JobRow:
    """The child's row (not yet inserted). The brief is checked here, so a remix that cannot
    run is refused now rather than accepted and failed. The request hash covers what the
    caller sent (parent and prompt), not the seed drawn here: a retry with the same
    Idempotency-Key must match it."""
    kind = KINDS[parent.kind]
    previous = int(parent.request.get("seed") or 0)
    seed = previous
    while seed == previous:
        seed = secrets.randbelow(2**31 - 1) + 1
    request = remix_request(parent, prompt, seed)
    brief = intake.build_brief(kind, request, settings)
    stored = fingerprint(kind, request)[1]
    sent = json.dumps({"remix_of": parent.id, "prompt": prompt.strip()}, sort_keys=True)
    now = utcnow()
    return JobRow(
        id=new_job_id(kind),
        tenant=tenant,
        kind=kind,
        status="queued",
        progress=0,
        user_content=brief.text,
        user_id=parent.user_id,
        image_url=parent.image_url,
        request={**stored, "remix_prompt": prompt},
        request_hash=hashlib.sha256(sent.encode()).hexdigest(),
        idempotency_key=idempotency_key,
        parent_id=parent.id,
        reference=dict(parent.reference),
        webhook_url=None,
        webhook_secret=None,
        deadline_at=now + timedelta(seconds=request.deadline_s) if request.deadline_s else None,
        created_at=now,
        updated_at=now,
        cost_usd=0.0,
    )
