"""The job service: accept submissions, run them in-process, mirror them into the store.

Each job runs as one asyncio task (bounded by a semaphore of `max_concurrent_jobs`) around
`JobRunner`, whose LangGraph checkpoint makes it resumable: at start-up every job still
queued or running is picked up again from its last checkpoint. Shutting down leaves rows as
they are (so the next process resumes them); only `cancel` and deadlines end a job early.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from aistudio.artifacts import Asset, JobKind
from aistudio.errors import AppError, Conflict, NotFound
from aistudio.jobs import intake
from aistudio.jobs.approval import approval_assets, approval_fields
from aistudio.jobs.lease import Leases
from aistudio.jobs.mirror import Live, mirror_progress
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.progress import outcome
from aistudio.jobs.requests import VideoRequest, fingerprint
from aistudio.jobs.runner import JobRunner, Journal
from aistudio.jobs.store import JobStore
from aistudio.pipeline import (
    ACTIVE_STATUSES,
    APPROVED_STAGE,
    AWAITING_APPROVAL,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SUCCESS_STATUSES,
    JobApproved,
    JobAwaitingApproval,
    JobEvent,
    JobQueued,
    JobResultEvent,
)
from aistudio.tools.toolbox import Toolbox

log = logging.getLogger("aistudio.jobs")

# Delivers the finished job's webhook; returns the attempts to record. Injected by the
# server (jobs must not import it); never raises for a failed delivery.
Notifier = Callable[[JobRow], Awaitable[list[dict[str, Any]]]]
CRASH_RETRIES = 2
CRASH_BACKOFF_S = 2.0
MIRROR_DRAIN_S = 10.0
CANCEL_WAIT_S = 10.0


def new_job_id(kind: str) -> str:
    return f"{kind}-{time.strftime('%Y%m%d')}-{secrets.token_hex(6)}"


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class JobService:
    def __init__(
        self, store: JobStore, toolbox: Toolbox, *, notifier: Notifier | None = None
    ) -> None:
        self.store = store
        self.toolbox = toolbox
        self.settings = toolbox.settings
        self.runner = JobRunner(toolbox)
        self._providers_cancelled: set[str] = set()
        self.notifier = notifier
        self._slots = asyncio.Semaphore(self.settings.server.max_concurrent_jobs)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancel_reasons: dict[str, str] = {}
        self._changed: dict[str, asyncio.Event] = {}
        # (stage, progress) of the jobs running here, fresher than their rows (jobs.mirror).
        self._live: Live = {}
        self._ending: set[str] = set()  # jobs whose final status this process is writing
        self.leases = Leases(store, self.settings)
        self._heartbeat: asyncio.Task[None] | None = None
        self._closing = False

    # -- lifecycle ----------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        log.info("job service up as %s", await asyncio.to_thread(self.leases.open))
        # Scratch folders of runs killed mid-node (nobody holds their lock any more).
        if swept := await self.toolbox.storage.sweep_scratch():
            log.info("removed %d scratch folders left by killed runs", len(swept))
        await self._adopt()
        self._heartbeat = asyncio.create_task(
            self.leases.heartbeat(self.settings.server.heartbeat_s, self._beat), name="job-leases"
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop every running job where it is and give its lease up: its checkpoint resumes
        it on the next start, or at once on another server sharing the store."""
        self._closing = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        tasks = dict(self._tasks)
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        await self.leases.release(list(tasks))
        await self.runner.aclose()
        self.leases.close()

    def _schedule(self, job_id: str) -> None:
        if job_id in self._tasks:
            return
        task = asyncio.create_task(self._run_job(job_id), name=f"job:{job_id}")
        self._tasks[job_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job_id) is done:  # not a newer run of the same job
                del self._tasks[job_id]

        task.add_done_callback(forget)

    # -- leases (several servers, one store; see aistudio.jobs.lease) -------------------
    async def _adopt(self) -> None:
        """Schedule the queued and running jobs nobody else holds: at start-up this
        process's own unfinished jobs, later those of a server that died."""
        for job_id in await self.leases.adoptable():
            if job_id not in self._tasks and not self._closing:
                log.info("resuming job %s", job_id, extra={"job_id": job_id})
                self._schedule(job_id)

    async def _beat(self) -> None:
        running = [job_id for job_id in self._tasks if job_id not in self._ending]
        for job_id in await self.leases.renew(running):
            task = self._tasks.get(job_id)
            if task is not None and not task.done():  # cancelled or taken over elsewhere
                log.info(
                    "job %s ended elsewhere; stopping it here", job_id, extra={"job_id": job_id}
                )
                self._cancel_reasons[job_id] = "ended on another server"
                task.cancel()
        await self._adopt()
        # A job paused for approval has no task whose timeout would end it.
        for job_id in await self.store.overdue_approvals(utcnow()):
            await self._finish_cancelled(job_id, "deadline exceeded")

    # -- queries ------------------------------------------------------------------------
    async def get(self, tenant: str, job_id: str) -> JobRow:
        row = await self.store.get(job_id, tenant)
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return self.with_live_progress(row)

    def with_live_progress(self, row: JobRow) -> JobRow:
        """The row with the stage and progress of its run in this process, which the row
        itself only catches up with now and then (see aistudio.jobs.mirror)."""
        live = self._live.get(row.id)
        if live is not None and row.status == "running":
            row.stage, row.progress = live[0], max(row.progress, live[1])
        return row

    def journal(self, job_id: str) -> Journal:
        # Opening reads the file's last line and an append is one small write: both are
        # done on the loop, as the runner does for every graph event.
        return Journal(self.settings.data_dir, job_id)

    async def wait_for_change(self, job_id: str, timeout_s: float) -> None:
        """Sleep until the job journals something new (or the timeout passes)."""
        changed = self._changed.setdefault(job_id, asyncio.Event())
        try:
            async with asyncio.timeout(timeout_s):
                await changed.wait()
        except TimeoutError:
            return

    def _notify(self, job_id: str) -> None:
        changed = self._changed.pop(job_id, None)
        if changed is not None:
            changed.set()

    # -- submit / cancel ----------------------------------------------------------------
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
        row.owner, row.lease_until = self.leases.owner, self.leases.until()
        inserted = await self.store.insert(row)
        if inserted is None:  # lost a race with the same key
            existing = await self._replay(tenant, idempotency_key or "", digest)
            if existing is None:
                raise Conflict("the Idempotency-Key is being used by another request")
            return existing, False
        log.info("job %s queued", row.id, extra={"job_id": row.id, "tenant": tenant})
        self.journal(row.id).append(JobQueued(kind=kind))
        self._schedule(row.id)
        return inserted, True

    async def _replay(self, tenant: str, key: str, digest: str) -> JobRow | None:
        existing = await self.store.by_idempotency_key(tenant, key)
        if existing is not None and existing.request_hash != digest:
            raise Conflict("this Idempotency-Key was used with a different request body")
        return existing

    async def enqueue(self, row: JobRow) -> tuple[JobRow, bool]:
        """Insert and schedule a job whose row was built elsewhere (a remix of another
        job: its photo is already stored, so `submit`'s intake does not apply); (row,
        created), with `submit`'s Idempotency-Key rules (the key is on the row)."""
        key = row.idempotency_key
        if key and (existing := await self._replay(row.tenant, key, row.request_hash)):
            return existing, False
        row.owner, row.lease_until = self.leases.owner, self.leases.until()
        inserted = await self.store.insert(row)
        if inserted is None:
            if key and (existing := await self._replay(row.tenant, key, row.request_hash)):
                return existing, False
            raise Conflict("the Idempotency-Key is being used by another request")
        log.info(
            "job %s queued (from %s)",
            row.id,
            row.parent_id,
            extra={"job_id": row.id, "tenant": row.tenant},
        )
        self.journal(row.id).append(JobQueued(kind=_kind(row), parent_id=row.parent_id))
        self._schedule(row.id)
        return inserted, True

    # -- plan approval ------------------------------------------------------------------
    async def _await_approval(self, job_id: str, values: dict[str, Any]) -> None:
        """The run paused before its first render: show the plan and its storyboard (drawn
        from the local keyframes, nothing submitted) and wait; no task holds a slot."""
        fields = approval_fields(values)
        fields["assets"] = await approval_assets(self.toolbox, values)
        fields["lease_until"] = None  # whichever server gets the approval runs it on
        if not await self.store.set_status_if(job_id, ACTIVE_STATUSES, **fields):
            return  # cancelled meanwhile
        self.journal(job_id).append(JobAwaitingApproval(assets=sorted(fields["assets"])))
        self._notify(job_id)
        log.info("job %s awaits plan approval", job_id, extra={"job_id": job_id})

    async def approve(self, tenant: str, job_id: str) -> JobRow:
        """Resume a job paused for plan approval (409 unless it is waiting)."""
        row = await self.get(tenant, job_id)
        if not await self.store.set_status_if(
            job_id, (AWAITING_APPROVAL,), status="queued", stage=APPROVED_STAGE
        ):
            raise Conflict(f"job {job_id} is not awaiting approval ({row.status})")
        self.journal(job_id).append(JobApproved())
        self._notify(job_id)
        # The run that paused may still be returning (its row already says waiting); a
        # task still registered would make _schedule a no-op and strand the job queued.
        if (previous := self._tasks.get(job_id)) is not None:
            await asyncio.wait({previous})
            if self._tasks.get(job_id) is previous:
                del self._tasks[job_id]
        self._schedule(job_id)
        return await self.get(tenant, job_id)

    async def cancel(
        self, tenant: str, job_id: str, reason: str = "cancelled by request"
    ) -> JobRow:
        row = await self.get(tenant, job_id)
        if row.status in FINAL_STATUSES:
            if row.status == "cancelled":
                return row
            raise Conflict(f"job {job_id} already finished ({row.status})")
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self._cancel_reasons[job_id] = reason
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_WAIT_S)
            if not task.done():
                log.warning(
                    "job %s is slow to stop; marked cancelled anyway",
                    job_id,
                    extra={"job_id": job_id},
                )
        # The task's handler normally records the cancellation; a task cancelled before its
        # first step never runs it, and a slow one must not keep the caller waiting. The
        # write is a compare-and-set, so it happens once whoever gets there first.
        await self._finish_cancelled(job_id, reason)
        self._cancel_reasons.pop(job_id, None)
        return await self.get(tenant, job_id)

    # -- running ------------------------------------------------------------------------
    async def _run_job(self, job_id: str) -> None:
        row = await self.store.get(job_id)
        if row is None or row.status not in ACTIVE_STATUSES:
            return
        remaining = None
        if row.deadline_at is not None:
            remaining = (as_utc(row.deadline_at) - utcnow()).total_seconds()
        deadline = asyncio.timeout(max(remaining, 0.0) if remaining is not None else None)
        try:
            async with deadline, self._slots:  # time spent queued counts too
                await self._execute_with_retries(row)
        except TimeoutError as exc:
            if deadline.expired():
                await self._finish_cancelled(job_id, "deadline exceeded")
            else:  # some inner timeout nobody handled: a crash like any other
                await self._crashed(job_id, exc)
        except asyncio.CancelledError:
            reason = self._cancel_reasons.pop(job_id, None)
            if reason is not None:
                # Our own cancel: record it, and swallow the cancellation (it was ours).
                await self._finish_cancelled(job_id, reason)
                return
            raise
        except AppError as exc:
            if not self._closing:
                await self._finish_failed(job_id, exc.message)
        except Exception as exc:  # noqa: BLE001 - the job-task boundary, logged in _crashed
            # A bug in one job must end that job `failed`, not leave it running forever or
            # take the other jobs down.
            await self._crashed(job_id, exc)

    async def _crashed(self, job_id: str, exc: Exception) -> None:
        log.error("job %s crashed", job_id, exc_info=exc, extra={"job_id": job_id})
        if not self._closing:  # shutting down: leave the row; the next start resumes it
            await self._finish_failed(job_id, f"internal error ({type(exc).__name__})")

    async def _execute_with_retries(self, row: JobRow) -> None:
        """Run the job; an unexpected crash (a locked database, a dropped connection) is
        retried from the last checkpoint a bounded number of times before it counts."""
        for attempt in range(1, CRASH_RETRIES + 2):
            try:
                await self._execute(row)
            except (AppError, asyncio.CancelledError):
                raise
            except Exception:
                if attempt > CRASH_RETRIES or self._closing:
                    raise
                log.warning(
                    "job %s crashed (attempt %d); resuming from its checkpoint",
                    row.id,
                    attempt,
                    exc_info=True,
                    extra={"job_id": row.id},
                )
                await asyncio.sleep(CRASH_BACKOFF_S * attempt)
            else:
                return

    async def _execute(self, row: JobRow) -> None:
        job_id = row.id
        if not await self.leases.start(job_id):
            # Ended (cancelled) while it waited for a slot, or another server runs it.
            log.info("job %s is not ours to run", job_id, extra={"job_id": job_id})
            return
        journal = self.journal(job_id)
        events: asyncio.Queue[JobEvent | None] = asyncio.Queue()
        # A plain task, not a TaskGroup: errors of the run must surface as themselves
        # (an InputError stays an InputError), not wrapped in an ExceptionGroup.
        mirror = asyncio.create_task(
            mirror_progress(
                job_id, events, journal, store=self.store, live=self._live, notify=self._notify
            )
        )
        try:
            result = await self.runner.run(
                job_id,
                brief=intake.build_brief(_kind(row), _request_of(row), self.settings),
                reference=Asset.model_validate(row.reference),
                on_event=events.put_nowait,
                journal=journal,
                approved=row.stage == APPROVED_STAGE,  # set by approve() until the run starts
            )
        finally:
            events.put_nowait(None)  # the mirror writes what is left, then ends
            await asyncio.wait({mirror}, timeout=MIRROR_DRAIN_S)
            if not mirror.done():
                mirror.cancel()
        if not mirror.cancelled() and (error := mirror.exception()) is not None:
            raise error
        if result.status == AWAITING_APPROVAL:
            await self._await_approval(job_id, result.values)
            return
        fields = outcome(result.values)
        if fields["status"] in SUCCESS_STATUSES:
            fields["progress"] = 100
        fields["stage"] = "done"
        await self._finish(job_id, fields)

    # -- endings ------------------------------------------------------------------------
    async def _finish(self, job_id: str, fields: dict[str, Any]) -> None:
        fields.setdefault("finished_at", utcnow())
        self._ending.add(job_id)
        try:
            updated = await self.store.set_status_if(
                job_id, OPEN_STATUSES, lease_until=None, **fields
            )
            await self._announce(job_id, updated)
        finally:
            self._ending.discard(job_id)

    async def _announce(self, job_id: str, updated: bool) -> None:
        """Journal the ending and deliver the webhook, once (the writer of the status)."""
        if not updated or (row := await self.store.get(job_id)) is None:
            return
        self.journal(job_id).append(
            JobResultEvent(
                status=row.status,
                error=row.error_message,
                progress=row.progress,
                assets=sorted((row.assets or {}).keys()),
            )
        )
        self._notify(job_id)
        log.info("job %s %s", job_id, row.status, extra={"job_id": job_id, "tenant": row.tenant})
        if row.webhook_url and self.notifier is not None and not self._closing:
            attempts = await self.notifier(row)
            await self.store.update(job_id, webhook_attempts=attempts)

    async def _finish_cancelled(self, job_id: str, reason: str) -> None:
        # Both the cancel call and the task's own handler come here: cancel providers once.
        if job_id not in self._providers_cancelled:
            self._providers_cancelled.add(job_id)
            await self.runner.cancel_in_flight(job_id)
        await self._finish(
            job_id, {"status": "cancelled", "error_message": reason, "stage": "cancelled"}
        )

    async def _finish_failed(self, job_id: str, message: str) -> None:
        await self._finish(
            job_id, {"status": "failed", "error_message": message, "stage": "failed"}
        )


def _request_of(row: JobRow) -> VideoRequest:
    return VideoRequest.model_validate(row.request)


def _kind(row: JobRow) -> JobKind:
    kinds: dict[str, JobKind] = {"promo": "promo", "fashion": "fashion", "ugc": "ugc"}
    return kinds[row.kind]
