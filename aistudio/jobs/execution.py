"""Run one job to its end and record how it ended: the part the embedded runner (a task in
the API process) and a queue worker (`aistudio worker`) share.

`execute` runs the graph from the job's checkpoint, its events recorded as it goes; then
the row gets the outcome and the `job_result` event in one transaction (written by
whoever makes the change, once), and the webhook goes out. Which process may run a job,
and for how long, is the caller's business (leases, or the queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import Any

from langgraph.types import Durability

from aistudio.artifacts import Asset, JobKind
from aistudio.jobs import intake, retention
from aistudio.jobs.approval import approval_assets, approval_fields
from aistudio.jobs.events import EventHub
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.progress import outcome
from aistudio.jobs.recorder import RunRecorder
from aistudio.jobs.requests import VideoRequest
from aistudio.jobs.runner import JobRunner
from aistudio.jobs.store import JobStore
from aistudio.pipeline import (
    ACTIVE_STATUSES,
    APPROVED_STAGE,
    AWAITING_APPROVAL,
    OPEN_STATUSES,
    REVISING_STAGE,
    SUCCESS_STATUSES,
    JobAwaitingApproval,
    JobResultEvent,
)
from aistudio.tools.toolbox import Toolbox
from aistudio.tools.tracing import RunLabels

log = logging.getLogger("aistudio.jobs")

# Delivers the finished job's webhook; returns the attempts to record. Injected by the
# server (jobs must not import it); never raises for a failed delivery.
Notifier = Callable[[JobRow], Awaitable[list[dict[str, Any]]]]


class RunLost(Exception):
    """The job stopped being this run's while it ran (cancelled, or run elsewhere now)."""


class JobExecution:
    def __init__(
        self,
        store: JobStore,
        toolbox: Toolbox,
        hub: EventHub,
        *,
        notifier: Notifier | None = None,
        durability: Durability = "async",
    ) -> None:
        self.store = store
        self.toolbox = toolbox
        self.settings = toolbox.settings
        self.hub = hub
        self.notifier = notifier
        self.runner = JobRunner(toolbox, durability=durability)
        self.closing = False  # shutting down: leave rows as they are, send no webhooks

    async def aclose(self) -> None:
        await self.runner.aclose()

    # -- running ------------------------------------------------------------------------
    async def execute(self, job_id: str, *, owner: str | None) -> None:
        """Run (or resume) the job to its end or its approval pause. `owner` fences the
        run's writes (see RunRecorder): a run that loses the job raises RunLost."""
        row = await self.store.get(job_id)
        if row is None or row.status not in ACTIVE_STATUSES:
            return
        task = asyncio.current_task()
        lost = False

        def on_lost() -> None:
            nonlocal lost
            lost = True
            if task is not None:
                task.cancel()

        recorder = RunRecorder(
            self.store, job_id, wake=self.hub.changed, owner=owner, on_lost=on_lost
        )
        try:
            async with recorder:
                result = await self.runner.run(
                    job_id,
                    brief=intake.build_brief(job_kind(row), _request_of(row), self.settings),
                    reference=Asset.model_validate(row.reference),
                    events=recorder,
                    approved=row.stage == APPROVED_STAGE,  # set by approve() until it runs
                    # set by revise() until the run has planned again
                    revision=row.revision if row.stage == REVISING_STAGE else None,
                    labels=RunLabels("video", job_id=job_id, tenant=row.tenant, kind=row.kind),
                )
        except asyncio.CancelledError:
            if lost:
                raise RunLost(job_id) from None
            raise
        if recorder.lost:
            raise RunLost(job_id)
        if result.status == AWAITING_APPROVAL:
            await self._await_approval(job_id, result.values, owner)
            return
        fields = outcome(result.values)
        if fields["status"] in SUCCESS_STATUSES:
            fields["progress"] = 100
        fields["stage"] = "done"
        await self.finish(job_id, fields, owner=owner)

    async def _await_approval(self, job_id: str, values: dict[str, Any], owner: str | None) -> None:
        """The run paused before its first render: show the plan and its storyboard (drawn
        from the local keyframes, nothing submitted) and wait; nothing runs it meanwhile."""
        fields = approval_fields(values)
        fields["assets"] = await approval_assets(self.toolbox, values)
        fields["lease_until"] = None  # whichever server gets the approval runs it on
        fields["revision"] = None  # a revision that brought it here has been planned
        event = JobAwaitingApproval(assets=sorted(fields["assets"])).model_dump(mode="json")
        keys = [record["key"] for record in fields["assets"].values()]
        if await self.store.transition(
            job_id, ACTIVE_STATUSES, event, fence=owner, asset_keys=keys, **fields
        ):
            self.hub.changed(job_id)
            log.info("job %s awaits plan approval", job_id, extra={"job_id": job_id})

    # -- endings ------------------------------------------------------------------------
    async def finish(
        self,
        job_id: str,
        fields: dict[str, Any],
        *,
        owner: str | None = None,
        allowed: Sequence[str] = OPEN_STATUSES,
    ) -> bool:
        """End the job with `fields` (status, error_message, ...) unless it already ended:
        the row, its asset references and the `job_result` event in one transaction, then
        the webhook. True when this call made the change."""
        row = await self.store.get(job_id)
        if row is None or row.status not in allowed:
            return False
        fields.setdefault("finished_at", utcnow())
        assets = fields.get("assets", row.assets) or {}
        event = JobResultEvent(
            status=fields["status"],
            error=fields.get("error_message", row.error_message),
            progress=fields.get("progress", row.progress),
            assets=sorted(assets),
        ).model_dump(mode="json")
        keys = [record["key"] for record in assets.values()]
        written = await self.store.transition(
            job_id, allowed, event, fence=owner, asset_keys=keys, lease_until=None, **fields
        )
        if written is None:
            return False
        self.hub.changed(job_id)
        await retention.trim_checkpoints(self.runner, job_id)
        for name, value in fields.items():
            setattr(row, name, value)
        log.info("job %s %s", job_id, row.status, extra={"job_id": job_id, "tenant": row.tenant})
        if row.webhook_url and self.notifier is not None and not self.closing:
            attempts = await self.notifier(row)
            await self.store.update(job_id, webhook_attempts=attempts)
        return True

    async def finish_failed(self, job_id: str, message: str, owner: str | None = None) -> bool:
        return await self.finish(
            job_id, {"status": "failed", "error_message": message, "stage": "failed"}, owner=owner
        )

    async def finish_cancelled(self, job_id: str, reason: str) -> bool:
        # The owner goes with the cancel: a run still going fails its next write and stops.
        return await self.finish(
            job_id,
            {"status": "cancelled", "error_message": reason, "stage": "cancelled", "owner": None},
        )

    async def cancel_providers(self, job_id: str) -> int:
        """Cancel the provider requests a stopped job was waiting for (no more rendering,
        or billing, for a job that is gone)."""
        return await self.runner.cancel_in_flight(job_id)


def remaining_s(row: JobRow) -> float | None:
    """Seconds left before the job's deadline (None: it has none)."""
    if row.deadline_at is None:
        return None
    deadline = row.deadline_at
    if deadline.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
        deadline = deadline.replace(tzinfo=UTC)
    return max((deadline - utcnow()).total_seconds(), 0.0)


def _request_of(row: JobRow) -> VideoRequest:
    return VideoRequest.model_validate(row.request)


def job_kind(row: JobRow) -> JobKind:
    kinds: dict[str, JobKind] = {"promo": "promo", "fashion": "fashion", "ugc": "ugc"}
    return kinds[row.kind]
