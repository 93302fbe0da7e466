"""The brief agent's port into the job system: `ThreadDesk` (render and job status for one
tenant's thread). The graph reaches it through its runtime context only."""

from __future__ import annotations

from aistudio.brief_draft import BriefDraft, JobTicket, brief_text
from aistudio.errors import InputError, NotFound
from aistudio.jobs import intake
from aistudio.jobs.models import JobRow
from aistudio.jobs.requests import VideoRequest, fingerprint
from aistudio.jobs.service import JobService, new_job_id


def render_request(draft: BriefDraft) -> VideoRequest:
    """The job body a conversation's brief becomes (the photo is already stored)."""
    return VideoRequest(
        content=brief_text(draft),
        voice_over=draft.voice_over,
        aspect_ratios=list(draft.aspect_ratios),
        duration_s=draft.duration_s,
        vibe=draft.vibe or None,
        max_cost_usd=draft.max_cost_usd,
    )


def ticket(row: JobRow) -> JobTicket:
    return JobTicket(
        job_id=row.id,
        status=row.status,
        stage=row.stage,
        progress=row.progress,
        error=row.error_message,
    )


async def submit_draft(
    service: JobService, tenant: str, thread_id: str, draft: BriefDraft
) -> JobRow:
    """Queue a job for a conversation's brief; the job records the thread it came from."""
    if draft.reference is None:
        raise InputError("the brief has no product photo yet: attach one or give its URL")
    request = render_request(draft)
    brief = intake.build_brief(draft.kind, request, service.settings)
    digest, stored = fingerprint(draft.kind, request)
    row = intake.job_row(
        new_job_id(draft.kind),
        tenant,
        draft.kind,
        request,
        brief=brief,
        photo=draft.reference,
        digest=digest,
        stored=stored,
        idempotency_key=None,
        webhook_secret=None,
    )
    row.thread_id = thread_id
    created, _ = await service.enqueue(row)
    return created


class ThreadDesk:
    """`JobDesk` for one tenant: the render tool's jobs belong to the caller's tenant and
    remember their thread."""

    def __init__(self, service: JobService, tenant: str) -> None:
        self.service = service
        self.tenant = tenant

    async def render(self, draft: BriefDraft, thread_id: str) -> JobTicket:
        return ticket(await submit_draft(self.service, self.tenant, thread_id, draft))

    async def status(self, job_id: str | None, thread_id: str) -> JobTicket | None:
        if job_id:
            row = await self.service.store.get(job_id, self.tenant)
            if row is None or row.thread_id != thread_id:
                raise NotFound(f"job {job_id} was not rendered from this conversation")
            return ticket(row)
        rows = await self.service.store.thread_jobs(self.tenant, thread_id, limit=1)
        return ticket(rows[0]) if rows else None
