"""Submission checks done before a job exists: the brief, the photo, the webhook URL.

Everything here fails fast with an InputError subclass (a 4xx at the API), so a job that is
accepted has a valid brief and a stored photo that is a whole image of an allowed size.
"""

from __future__ import annotations

import asyncio
import binascii
import re
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from aistudio.artifacts import Asset, Brief, JobKind
from aistudio.errors import InputError, MediaTooLarge
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.requests import VideoRequest
from aistudio.settings import Settings
from aistudio.tools.fetch import check_url_shape, fetch_url, resolve_public
from aistudio.tools.toolbox import Toolbox
from aistudio.tools.video.catalog import check_model_choice
from aistudio.tools.vision.ingest import PHOTO_TYPES, check_image

_DATA_URL = re.compile(r"^data:[\w/+.-]*;base64,", re.IGNORECASE)


def build_brief(kind: JobKind, request: VideoRequest, settings: Settings) -> Brief:
    limit = settings.server.max_deadline_s
    if request.deadline_s is not None and request.deadline_s > limit:
        raise InputError(f"deadline_s may be at most {limit:g} seconds")
    try:
        return Brief(
            kind=kind,
            text=request.content,
            voice_over=request.voice_over,
            aspect_ratios=tuple(request.aspect_ratios or ("9:16",)),
            duration_s=request.duration_s or settings.default_duration_s,
            seed=request.seed or 0,
            vibe=request.vibe,
            max_cost_usd=request.max_cost_usd,
            approve_plan=request.approve_plan,
            video_model=request.video_model,
            image_model=request.image_model,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InputError(f"invalid {field}: {first['msg']}") from None


def check_models(toolbox: Toolbox, brief: Brief) -> None:
    """The request's own video / image model, checked against the catalog and the
    configured providers before a job exists (InputError: a 422 problem)."""
    settings = toolbox.settings
    check_model_choice(
        toolbox.catalog,
        video_model=brief.video_model,
        image_model=brief.image_model,
        video_provider=settings.video_provider,
        image_provider=settings.image_provider,
    )


def decode_b64(value: str, max_bytes: int) -> bytes:
    text = _DATA_URL.sub("", value.strip(), count=1)
    # base64 is 4/3 of the data: refuse before decoding anything huge.
    if len(text) > (max_bytes * 4) // 3 + 4:
        raise MediaTooLarge(f"reference_image_b64 decodes to more than {max_bytes} bytes")
    try:
        # strict_mode: the C-level check of what b64decode(validate=True) does with a regex
        # first (half the cost of decoding a 20 MB photo).
        data = binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("reference_image_b64 is not valid base64") from exc
    if len(data) > max_bytes:
        raise MediaTooLarge(f"reference_image_b64 decodes to more than {max_bytes} bytes")
    return data


async def reference_bytes(
    request: VideoRequest, settings: Settings, *, url_field: str = "reference_image_url"
) -> bytes:
    """The photo from the body (base64) or fetched SSRF-safely from its URL; `url_field` is
    what the caller's body calls the URL (errors name it)."""
    server = settings.server
    limit = min(settings.limits.max_file_bytes, server.max_image_b64_bytes)
    if request.reference_image_b64 and request.reference_image_url:
        raise InputError("give reference_image_url or reference_image_b64, not both")
    if request.reference_image_b64:
        return await asyncio.to_thread(decode_b64, request.reference_image_b64, limit)
    if request.reference_image_url:
        fetched = await fetch_url(
            request.reference_image_url,
            max_bytes=settings.limits.max_file_bytes,
            timeout_s=server.fetch_timeout_s,
            allow_hosts=server.fetch_allow_hosts,
            label=url_field,
        )
        return fetched.data
    raise InputError("a reference image is required: reference_image_url or reference_image_b64")


async def store_photo(toolbox: Toolbox, data: bytes) -> Asset:
    """Store the photo once it has proved to be a whole PNG/JPEG/WEBP of an allowed size
    (413 for a bomb, 422 for a truncated or corrupt file, 415 for another type): a bad
    upload is refused before it is accepted, not failed later in ingest."""
    fmt, _, _ = await asyncio.to_thread(check_image, data, toolbox.settings.limits)
    # Stored under its real type: the API serves it back as the job's `image_url`.
    mime, ext = PHOTO_TYPES[fmt]
    return await toolbox.storage.put_bytes(data, kind="reference", mime=mime, ext=ext)


async def check_webhook_url(url: str, settings: Settings) -> None:
    """Refuse a webhook URL we would never call (private address, odd scheme) up front."""
    parsed = check_url_shape(url, label="webhook_url")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    await resolve_public(
        parsed.host, port, allow_hosts=settings.server.fetch_allow_hosts, label="webhook_url"
    )


def job_row(
    job_id: str,
    tenant: str,
    kind: JobKind,
    request: VideoRequest,
    *,
    brief: Brief,
    photo: Asset,
    digest: str,
    stored: dict[str, Any],
    idempotency_key: str | None,
    webhook_secret: str | None,
) -> JobRow:
    """The new job's row, queued (not yet inserted)."""
    now = utcnow()
    return JobRow(
        id=job_id,
        tenant=tenant,
        kind=kind,
        status="queued",
        progress=0,
        user_content=brief.text,
        user_id=request.user_id,
        image_url=request.reference_image_url,
        request=stored,
        request_hash=digest,
        idempotency_key=idempotency_key,
        reference=photo.model_dump(mode="json"),
        webhook_url=request.webhook_url,
        webhook_secret=webhook_secret if request.webhook_url else None,
        deadline_at=now + timedelta(seconds=request.deadline_s) if request.deadline_s else None,
        created_at=now,
        updated_at=now,
        cost_usd=0.0,
    )
