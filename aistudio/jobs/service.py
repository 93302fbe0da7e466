"""The job service: accept submissions, hand them to the scheduler, answer for them.

Two schedulers sit behind one protocol (`Scheduler`):
* embedded (the default, no queue configured): jobs run as tasks in this process, kept
  alive across servers by leases on their rows (aistudio.jobs.embedded);
* queue (`AISTUDIO_QUEUE__URL`): the API only enqueues job ids on SAQ; `aistudio worker`
  processes run them, and SAQ's heartbeat, sweep and retries decide liveness
  (aistudio.jobs.queue, aistudio.jobs.worker).
Either way a job's events live in the job store, so any API instance streams any job.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.exc import SQLAlchemyError

from aistudio.artifacts import JobKind
from aistudio.errors import Conflict, NotFound
from aistudio.graph.checkpoint import libpq_url
from aistudio.jobs import intake, retention, revise
from aistudio.jobs.events import EventHub
from aistudio.jobs.execution import JobExecution, Notifier, job_kind
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.requests import VideoRequest, fingerprint
from aistudio.jobs.store import JobStore
from aistudio.pipeline import (
    ACTIVE_STATUSES,
    APPROVED_STAGE,
    AWAITING_APPROVAL,
    FINAL_STATUSES,
    REVISING_STAGE,
    JobApproved,
    JobQueued,
    JobRevised,
)
from aistudio.tools.toolbox import Toolbox

log = logging.getLogger("aistudio.jobs")
__all__ = ["JobService", "Notifier", "Scheduler", "new_job_id"]


class Scheduler(Protocol):
    """Where accepted jobs run: in this process, or on queue workers."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def owner(self) -> str | None:
        """The owner a new row gets (the embedded runner leases it to itself at once)."""
        ...

    async def schedule(self, row: JobRow) -> None:
        """Run the (queued) job: a new one, or one whose plan was just approved."""
        ...

    async def stop(self, job_id: str, reason: str) -> bool:
        """Stop the run of a job whose row was just cancelled; True when the run goes on
        stopping elsewhere and cancels its provider requests itself once stopped (a queue
        worker), False when it has stopped (or never ran) and the caller must."""
        ...

    async def beat(self) -> None:
        """Periodic upkeep (the embedded runner's leases; nothing for a queue)."""
        ...


def new_job_id(kind: str) -> str:
    return f"{kind}-{time.strftime('%Y%m%d')}-{secrets.token_hex(6)}"


class JobService:
    def __init__(
        self, store: JobStore, toolbox: Toolbox, *, notifier: Notifier | None = None
    ) -> None:
        self.store = store
        self.toolbox = toolbox
        self.settings = toolbox.settings
        url = self.settings.server.database_url
        self.hub = EventHub(libpq_url(url) if url and store.postgres else None)
        self.execution = JobExecution(store, toolbox, self.hub, notifier=notifier)
        self.scheduler: Scheduler = self._scheduler()
        self._upkeep: asyncio.Task[None] | None = None

    def _scheduler(self) -> Scheduler:
        if self.settings.queue.url:
            from aistudio.jobs.queue import QueueScheduler

            return QueueScheduler(self.execution)
        from aistudio.jobs.embedded import EmbeddedScheduler

        return EmbeddedScheduler(self.execution)

    # -- lifecycle ----------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        # Scratch folders of runs killed mid-node (nobody holds their lock any more).
        if swept := await self.toolbox.storage.sweep_scratch():
            log.info("removed %d scratch folders left by killed runs", len(swept))
        await self.hub.start()
        await self.scheduler.open()
        self._upkeep = asyncio.create_task(self._upkeep_loop(), name="job-upkeep")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop where we are: unfinished jobs resume from their checkpoints (here on the
        next start, on another server, or on a queue worker)."""
        self.execution.closing = True
        if self._upkeep is not None:
            self._upkeep.cancel()
        await self.scheduler.close()
        await self.execution.aclose()
        await self.hub.stop()

    async def _upkeep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.server.heartbeat_s)
            try:
                await self.scheduler.beat()
                # A job paused for approval has no run whose timeout would end it.
                for job_id in await self.store.overdue_approvals(utcnow()):
                    await self.execution.finish_cancelled(job_id, "deadline exceeded")
            except (SQLAlchemyError, OSError) as exc:
                log.warning("job upkeep failed: %s", exc)
            except Exception:  # the upkeep task's boundary: logged below
                # Dead upkeep would let the leases of running jobs lapse, and another server
                # would run them a second time: log and go on.
                log.exception("job upkeep failed")

    # -- queries ------------------------------------------------------------------------
    async def get(self, tenant: str, job_id: str) -> JobRow:
        row = await self.store.get(job_id, tenant)
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return row

    async def wait_for_change(self, job_id: str, timeout_s: float | None = None) -> None:
        """Sleep until the job has new events (or the poll interval passes)."""
        await self.hub.wait(job_id, timeout_s)

    # -- submit -------------------------------------------------------------------------
    async def submit(
        self,
        tenant: str,
        kind: JobKind,
        request: VideoRequest,
        *,
        idempotency_key: str | None = None,
        webhook_secret: str | None = None,
    ) -> tuple[JobRow, bool]:
        """Create (and schedule) a job; (row, created). A replayed Idempotency-Key with the
        same body returns the first job; with another body it is a Conflict."""
        # Hashing (and below, decoding) a 20 MB base64 photo is CPU work: off the loop.
        digest, stored = await asyncio.to_thread(fingerprint, kind, request)
        if idempotency_key:
            existing = await self._replay(tenant, idempotency_key, digest)
            if existing is not None:
                return existing, False
        brief = intake.build_brief(kind, request, self.settings)
        intake.check_models(self.toolbox, brief)
        if request.webhook_url:
            await intake.check_webhook_url(request.webhook_url, self.settings)
        photo = await intake.store_photo(
            self.toolbox, await intake.reference_bytes(request, self.settings)
        )
        row = intake.job_row(
            new_job_id(kind),
            tenant,
            kind,
            request,
            brief=brief,
            photo=photo,
            digest=digest,
            stored=stored,
            idempotency_key=idempotency_key,
            webhook_secret=webhook_secret,
        )
        return await self.enqueue(row)

    async def _replay(self, tenant: str, key: str, digest: str) -> JobRow | None:
        existing = await self.store.by_idempotency_key(tenant, key)
        if existing is not None and existing.request_hash != digest:
            raise Conflict("this Idempotency-Key was used with a different request body")
        return existing

    async def enqueue(self, row: JobRow, refer: Iterable[str] = ()) -> tuple[JobRow, bool]:
        """Insert and schedule a job whose row is built (by `submit`, or a remix of another
        job whose photo is already stored); (row, created), with the Idempotency-Key rules
        of `submit` (the key is on the row). `refer`: stored objects it uses besides its
        photo (a shot revise's inherited renders)."""
        key = row.idempotency_key
        if key and (existing := await self._replay(row.tenant, key, row.request_hash)):
            return existing, False
        owner = self.scheduler.owner()
        if owner is not None:
            row.owner = owner
            row.lease_until = utcnow() + self._lease_ttl()
        queued = JobQueued(kind=job_kind(row), parent_id=row.parent_id)
        reference = str(row.reference.get("key", ""))
        inserted = await self.store.insert(
            row, queued.model_dump(mode="json"), asset_keys=sorted({reference, *refer})
        )
        if inserted is None:  # lost a race with the same key
            if key and (existing := await self._replay(row.tenant, key, row.request_hash)):
                return existing, False
            raise Conflict("the Idempotency-Key is being used by another request")
        self.hub.changed(row.id)
        log.info(
            "job %s queued",
            row.id,
            extra={"job_id": row.id, "tenant": row.tenant, "parent_id": row.parent_id},
        )
        await self.scheduler.schedule(inserted)
        return inserted, True

    def _lease_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.server.lease_ttl_s)

    # -- plan approval / cancel ---------------------------------------------------------
    async def approve(self, tenant: str, job_id: str) -> JobRow:
        """Resume a job paused for plan approval (409 unless it is waiting)."""
        row = await self.get(tenant, job_id)
        changed = await self.store.transition(
            job_id,
            (AWAITING_APPROVAL,),
            JobApproved().model_dump(mode="json"),
            status="queued",
            stage=APPROVED_STAGE,
        )
        if changed is None:
            raise Conflict(f"job {job_id} is not awaiting approval ({row.status})")
        self.hub.changed(job_id)
        row = await self.get(tenant, job_id)
        await self.scheduler.schedule(row)
        return row

    async def revise(self, tenant: str, job_id: str, instruction: str) -> JobRow:
        """Send a job paused for plan approval back to planning with `instruction`; it
        pauses again with a new plan (409 unless it is waiting)."""
        instruction = revise.instruction_of(instruction)
        row = await self.get(tenant, job_id)
        changed = await self.store.transition(
            job_id,
            (AWAITING_APPROVAL,),
            JobRevised(instruction=instruction).model_dump(mode="json"),
            status="queued",
            stage=REVISING_STAGE,
            revision=instruction,
        )
        if changed is None:
            raise Conflict(f"job {job_id} is not awaiting approval ({row.status})")
        self.hub.changed(job_id)
        row = await self.get(tenant, job_id)
        await self.scheduler.schedule(row)
        return row

    async def revise_shot(
        self,
        tenant: str,
        job_id: str,
        shot: int,
        instruction: str,
        *,
        idempotency_key: str | None = None,
    ) -> tuple[JobRow, bool]:
        """A child job that makes shot `shot` (1-based) of a finished job again with
        `instruction` and keeps every other shot (aistudio.jobs.revise); (child, created).
        409 unless the job finished with a video; 404 for a shot it does not have."""
        instruction = revise.instruction_of(instruction)
        parent = await self.get(tenant, job_id)
        runner = self.execution.runner
        values = await revise.parent_values(runner, parent, shot)
        row = revise.shot_revise_row(
            parent, new_job_id(parent.kind), shot, instruction, idempotency_key=idempotency_key
        )
        if idempotency_key and (
            existing := await self._replay(tenant, idempotency_key, row.request_hash)
        ):
            return existing, False
        # The thread first: a worker that picks the row up finds it ready.
        refer = await revise.fork(
            runner, row.id, revise.forked_values(values, row.id, shot, instruction)
        )
        child, created = await self.enqueue(row, refer)
        if not created:
            await revise.unfork(runner, row.id)
        return child, created

    async def cancel(
        self, tenant: str, job_id: str, reason: str = "cancelled by request"
    ) -> JobRow:
        row = await self.get(tenant, job_id)
        if row.status in FINAL_STATUSES:
            if row.status == "cancelled":
                return row
            raise Conflict(f"job {job_id} already finished ({row.status})")
        # The row first (with the terminal event, and the owner cleared so a run still
        # writing stops at its next write), then the run wherever it is.
        if await self.execution.finish_cancelled(job_id, reason) and not await self.scheduler.stop(
            job_id, reason
        ):
            await self.execution.cancel_providers(job_id)
        return await self.get(tenant, job_id)

    # -- retention ----------------------------------------------------------------------
    async def delete(self, tenant: str, job_id: str) -> retention.Removed:
        """Remove a job that is not running (its row, events, checkpoints and the stored
        objects no other job shares); 409 while it is queued or running."""
        row = await self.get(tenant, job_id)
        if row.status in ACTIVE_STATUSES:
            raise Conflict(f"job {job_id} is {row.status}; cancel it before deleting it")
        return await retention.delete_job(
            self.store, self.execution.runner, self.toolbox.storage, job_id
        )
