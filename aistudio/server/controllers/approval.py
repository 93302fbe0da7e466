"""POST /jobs/{id}/approve: resume a job that paused for plan approval (`approve_plan`)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import FromPath

from aistudio.server.deps import Caller, Service, SignedLinks
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import JobView, job_view


class ApprovalController(Controller):
    path = "/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @post(
        "/{job_id:str}/approve",
        status_code=200,
        opt={PROBLEMS_OPT: (409,)},
        summary="Approve the plan; render it",
        description="Only for a job in `awaiting_approval` (409 otherwise): it is queued "
        "again and goes on to render the plan shown in its assets.",
    )
    async def approve(
        self, service: Service, principal: Caller, links: SignedLinks, job_id: FromPath[str]
    ) -> JobView:
        row = await service.approve(principal.tenant, job_id)
        return job_view(row, links.assets(row), links.image_url(row))
