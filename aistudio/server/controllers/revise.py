"""Human in the loop on jobs: revise a plan waiting for approval, or one shot of a finished
job (a child job; see aistudio.jobs.revise)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from pydantic import Field

from aistudio.artifacts import MAX_INSTRUCTION
from aistudio.jobs.requests import RequestBody
from aistudio.server.controllers.video import IdempotencyKey
from aistudio.server.deps import API_PREFIX, Caller, Service, SignedLinks
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import JobView, SubmitResponse, job_view


class ReviseRequest(RequestBody):
    # Checked by the service (an empty or too long instruction is a 422, InputError); the
    # schema's own bound only stops a body that is not an instruction at all (400).
    instruction: Annotated[
        str,
        Field(
            max_length=20 * MAX_INSTRUCTION,
            description=f"At most {MAX_INSTRUCTION} characters (422 when empty or longer). "
            "What to change, in plain language: e.g. `shorter, warmer, square, "
            "add a voice-over that mentions free shipping, CTA: Shop the drop` (a plan), "
            "`closer on the cap, slower` (a shot).",
        ),
    ]


class ReviseController(Controller):
    path = "/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @post(
        "/{job_id:str}/revise",
        status_code=202,
        opt={PROBLEMS_OPT: (409,)},
        summary="Revise the plan waiting for approval",
        description="Only for a job in `awaiting_approval` (409 otherwise). The instruction "
        "goes to the planning agents: the brief edits it names (duration, `shorter`, "
        "formats, vibe words, voice-over on/off, call to action, what to mention, show or "
        "avoid) are applied to the brief, and the whole instruction is their feedback. The "
        "job plans again (status `queued`, then `running`) and waits for approval again "
        "with a new storyboard; nothing is rendered or paid for. Its events record "
        "`job_revised`. Approve or cancel as before, after any number of revisions.",
    )
    async def revise(
        self,
        service: Service,
        principal: Caller,
        links: SignedLinks,
        job_id: FromPath[str],
        data: JSONBody[ReviseRequest],
    ) -> JobView:
        row = await service.revise(principal.tenant, job_id, data.instruction)
        return job_view(row, links.assets(row), links.image_url(row))

    @post(
        "/{job_id:str}/shots/{shot:int}/revise",
        status_code=202,
        opt={PROBLEMS_OPT: (409,)},
        summary="Make one shot of a finished video again",
        description="`shot` counts from 1. For a job that finished with a video "
        "(`completed` or `completed_with_warnings`; 409 otherwise); a shot it does not have "
        "is a 404. Queues a child job (its `parent_id` is this job) that plans that shot "
        "again with the instruction, renders it alone, and composes, checks and publishes a "
        "new video; every other shot keeps this job's clip. With an Idempotency-Key, a "
        "retried request returns the first child.",
    )
    async def revise_shot(
        self,
        service: Service,
        principal: Caller,
        job_id: FromPath[str],
        shot: FromPath[int],
        data: JSONBody[ReviseRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmitResponse]:
        row, created = await service.revise_shot(
            principal.tenant, job_id, shot, data.instruction, idempotency_key=idempotency_key
        )
        body = SubmitResponse(
            job_id=row.id,
            status=row.status,
            status_url=f"{API_PREFIX}/video/status/{row.id}",
            events_url=f"{API_PREFIX}/jobs/{row.id}/events",
        )
        headers = {"Location": f"{API_PREFIX}/jobs/{row.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status_code=202, headers=headers)
