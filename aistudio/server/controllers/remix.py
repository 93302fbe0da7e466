"""POST /video/remix-video: a new job from an earlier job of the caller, with a new
instruction (see `aistudio.jobs.remix`)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody
from litestar.response import Response
from pydantic import Field

from aistudio.jobs.remix import remix_row
from aistudio.jobs.requests import RequestBody, VisibleText
from aistudio.server.controllers.video import IdempotencyKey
from aistudio.server.deps import API_PREFIX, Caller, Service
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import SubmitResponse


class RemixRequest(RequestBody):
    video_id: str = Field(min_length=1, max_length=64, description="The job to start from.")
    prompt: VisibleText = Field(
        min_length=3,
        max_length=2000,
        description="The new instruction, appended to that job's brief.",
    )


class RemixController(Controller):
    path = "/video"
    tags = ["video (original AI Studio routes)"]  # noqa: RUF012 - Litestar reads it

    @post(
        "/remix-video",
        status_code=202,
        opt={PROBLEMS_OPT: (409,)},
        summary="A new video from an earlier one",
        description="Takes the earlier job's photo and options, appends `prompt` to its "
        "brief, picks a new seed and queues a new job whose `parent_id` is `video_id`. "
        "Another tenant's `video_id` is a 404. With an Idempotency-Key, a retried "
        "request returns the first child instead of making another.",
    )
    async def remix(
        self,
        service: Service,
        principal: Caller,
        data: JSONBody[RemixRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmitResponse]:
        parent = await service.get(principal.tenant, data.video_id)
        row, created = await service.enqueue(
            remix_row(
                parent,
                data.prompt,
                principal.tenant,
                service.settings,
                idempotency_key=idempotency_key,
            )
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
