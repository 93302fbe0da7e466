"""`aistudio worker`: SAQ worker processes that run queued jobs from their checkpoints.

Each process runs one SAQ `Worker` (`queue.concurrency` jobs at once) over one toolbox,
one job store and one checkpoint saver. A run:
* starts only while the job's row is open, and claims it for this attempt (the row's
  `owner`): a run that a sweep handed to another worker stops at its next write;
* touches its SAQ job every third of `queue.heartbeat_s` (SAQ's liveness);
* on SAQ's abort (a cancel through any API instance) stops and cancels the job's provider
  requests; on the worker's own shutdown it stops where it is and SAQ queues it again;
* on an unexpected error, lets SAQ retry it (from its checkpoint) until `queue.attempts`
  runs are spent; the last one ends the job `failed` with that error. A permanent error
  (bad input, moderation, budget) ends it at once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from saq import Worker
from saq.job import Job, Status
from saq.types import Context, PartialTimersDict

from aistudio.errors import AppError
from aistudio.jobs.events import EventHub
from aistudio.jobs.execution import JobExecution, Notifier, RunLost, remaining_s
from aistudio.jobs.models import utcnow
from aistudio.jobs.queue import RUN_JOB, open_queue
from aistudio.jobs.store import JobStore, open_store
from aistudio.pipeline import ACTIVE_STATUSES
from aistudio.settings import Settings
from aistudio.tools.toolbox import Toolbox

log = logging.getLogger("aistudio.worker")
RESTART_BACKOFF_S = 1.0
ToolboxFactory = Callable[[Settings], Toolbox]
NotifierFactory = Callable[[Settings], tuple[Notifier | None, Callable[[], Any] | None]]


class JobWorker:
    """What `run_job` needs in one worker process."""

    def __init__(self, execution: JobExecution, settings: Settings) -> None:
        self.execution = execution
        self.store: JobStore = execution.store
        self.settings = settings

    async def run(self, job: Job, job_id: str) -> None:
        row = await self.store.get(job_id)
        if row is None or row.status not in ACTIVE_STATUSES:
            return  # cancelled (or deleted) while queued
        owner = f"{job.worker_id}#{job.attempts}"
        if not await self.store.claim(job_id, owner, None, utcnow(), status="running"):  # type: ignore[arg-type]
            return
        touching = asyncio.create_task(self._touch(job), name=f"touch:{job_id}")
        deadline = asyncio.timeout(remaining_s(row))
        execution = self.execution
        try:
            async with deadline:
                await execution.execute(job_id, owner=owner)
        except TimeoutError as exc:
            if not deadline.expired():  # an inner timeout nobody handled: a crash
                await self._crashed(job, job_id, owner, exc)
                raise
            await execution.finish_cancelled(job_id, "deadline exceeded")
            await execution.cancel_providers(job_id)
        except RunLost:
            # Cancelled (its next write found the owner cleared) before SAQ's abort got
            # here, or handed to another worker by a sweep.
            log.info("job %s: run %s lost it", job_id, owner, extra={"job_id": job_id})
            await self._stopped(job_id)
        except asyncio.CancelledError:
            # SAQ aborted it (a cancel, or a sweep) or this worker is stopping.
            await self._stopped(job_id)
            raise
        except AppError as exc:
            await execution.finish_failed(job_id, exc.message, owner)
        except Exception as exc:
            await self._crashed(job, job_id, owner, exc)
            raise  # SAQ retries it, or records it failed
        finally:
            touching.cancel()

    async def _stopped(self, job_id: str) -> None:
        """The run stopped early: if that was a cancel, cancel its provider requests too,
        even when SAQ's abort cancels this task meanwhile (the fenced write and the abort
        race to stop a cancelled run)."""
        cancelling = asyncio.ensure_future(self._cancel_providers_if_cancelled(job_id))
        try:
            await asyncio.shield(cancelling)
        except asyncio.CancelledError:
            await cancelling
            raise

    async def _cancel_providers_if_cancelled(self, job_id: str) -> None:
        current = await self.store.get(job_id)
        if current is not None and current.status == "cancelled":
            await self.execution.cancel_providers(job_id)

    async def _crashed(self, job: Job, job_id: str, owner: str, exc: Exception) -> None:
        """An unexpected error; SAQ retries the job, and the last attempt ends it here."""
        log.warning(
            "job %s crashed in attempt %d/%d",
            job_id,
            job.attempts,
            job.retries,
            exc_info=exc,
            extra={"job_id": job_id},
        )
        if not job.retryable:
            message = f"internal error ({type(exc).__name__}) after {job.attempts} attempts"
            await self.execution.finish_failed(job_id, message, owner)

    async def _touch(self, job: Job) -> None:
        """SAQ's heartbeat: a job not touched for `heartbeat` seconds is swept."""
        every = max(job.heartbeat / 3, 0.5)
        while True:
            await asyncio.sleep(every)
            try:
                await job.update()
            except (psycopg.Error, OSError) as exc:  # a blip costs one beat, not the job
                log.warning("job %s: heartbeat failed: %s", job.key, exc)

    async def given_up(self, job_id: str, status: Status, error: str | None, attempts: int) -> None:
        """SAQ ended the job unsuccessfully, out of attempts (a crash's last attempt has
        ended the row already; this covers a job swept once too often)."""
        if error and "\n" in error:  # a traceback: its last line names the error
            error = error.strip().splitlines()[-1]
        reason = "its worker stopped responding" if error == "swept" else error or status.value
        message = f"{reason} (after {attempts} attempts)"
        await self.execution.finish(
            job_id,
            {"status": "failed", "error_message": message, "stage": "failed"},
            allowed=ACTIVE_STATUSES,
        )


class WorkerContext(Context, total=False):
    aistudio: JobWorker


async def run_job(ctx: WorkerContext, *, job_id: str) -> None:
    """The SAQ function: run one job (see JobWorker.run)."""
    await ctx["aistudio"].run(ctx["job"], job_id)


async def serve_worker(
    settings: Settings,
    toolbox_factory: ToolboxFactory,
    notifier_factory: NotifierFactory | None = None,
) -> None:
    """One worker process until SIGTERM/SIGINT (running jobs get `shutdown_grace_s`)."""
    toolbox = toolbox_factory(settings)
    notifier, close_notifier = notifier_factory(settings) if notifier_factory else (None, None)
    async with open_store(settings.database_url) as store:
        # Durability "sync": a killed worker's job never redoes a node another followed.
        execution = JobExecution(store, toolbox, EventHub(), notifier=notifier, durability="sync")
        runtime = JobWorker(execution, settings)
        queue = open_queue(settings.queue, given_up=runtime.given_up)
        timers: PartialTimersDict = {
            "sweep": settings.queue.sweep_s,
            "abort": 1,
            "schedule": 1,
            "worker_info": 10,
        }
        worker: Worker[WorkerContext] = Worker(
            queue,
            functions=[(RUN_JOB, run_job)],
            id=f"{socket.gethostname()}:{os.getpid()}",
            concurrency=settings.queue.concurrency,
            timers=timers,
            shutdown_grace_period_s=settings.queue.shutdown_grace_s,
            startup=_put(runtime),
        )
        try:
            # Scratch folders of runs killed mid-node (nobody holds their lock any more).
            if swept := await toolbox.storage.sweep_scratch():
                log.info("removed %d scratch folders left by killed runs", len(swept))
            await queue.connect()
            await execution.runner.graph()  # compile + open the saver before the first job
            log.info("worker %s up (%d at once)", worker.id, settings.queue.concurrency)
            await worker.start()
        finally:
            execution.closing = True
            await queue.disconnect()
            await execution.aclose()
            if close_notifier is not None:
                await close_notifier()


def _put(runtime: JobWorker) -> Callable[[WorkerContext], Awaitable[None]]:
    async def startup(ctx: WorkerContext) -> None:
        ctx["aistudio"] = runtime

    return startup


def _process_main(
    settings: Settings, toolbox_factory: ToolboxFactory, notifier_factory: NotifierFactory | None
) -> None:
    asyncio.run(serve_worker(settings, toolbox_factory, notifier_factory))


def run_workers(
    settings: Settings,
    toolbox_factory: ToolboxFactory,
    notifier_factory: NotifierFactory | None = None,
) -> None:
    """`queue.processes` worker processes (this one when it is 1); a child that dies is
    started again; SIGTERM/SIGINT stop them all, each finishing as `serve_worker` does."""
    if settings.queue.processes == 1:
        _process_main(settings, toolbox_factory, notifier_factory)
        return
    spawn = multiprocessing.get_context("spawn")
    args = (settings, toolbox_factory, notifier_factory)
    children = [
        spawn.Process(target=_process_main, args=args) for _ in range(settings.queue.processes)
    ]
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    while not stopping:
        for index, child in enumerate(children):
            child.join(timeout=RESTART_BACKOFF_S / len(children))
            if not child.is_alive() and not stopping:
                log.warning(
                    "worker process %s exited (%s); starting another", child.pid, child.exitcode
                )
                children[index] = spawn.Process(target=_process_main, args=args)
                children[index].start()
    for child in children:
        child.join()
