"""The embedded runner: jobs run as asyncio tasks in the API process (`aistudio serve`
without a queue), at most `server.max_concurrent_jobs` at once.

Liveness here is the job lease (aistudio.jobs.lease): several servers may share one job
store, each job is leased to the server running it, and a server adopts the open jobs
whose lease ran out. At start-up every unfinished job is picked up again from its last
checkpoint. An unexpected crash is retried from the checkpoint a bounded number of times.
"""

from __future__ import annotations

import asyncio
import logging

from aistudio.errors import AppError
from aistudio.jobs.execution import JobExecution, RunLost, remaining_s
from aistudio.jobs.lease import Leases
from aistudio.jobs.models import JobRow
from aistudio.pipeline import ACTIVE_STATUSES

log = logging.getLogger("aistudio.jobs")
CRASH_RETRIES = 2
CRASH_BACKOFF_S = 2.0
CANCEL_WAIT_S = 10.0


class EmbeddedScheduler:
    """`Scheduler` of the embedded default: tasks in this process, leases on the rows."""

    def __init__(self, execution: JobExecution) -> None:
        self.execution = execution
        self.store = execution.store
        self.settings = execution.settings
        self.leases = Leases(self.store, self.settings)
        self._slots = asyncio.Semaphore(self.settings.server.max_concurrent_jobs)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stop_reasons: dict[str, str] = {}
        self._closing = False

    async def open(self) -> None:
        log.info("embedded job runner up as %s", await asyncio.to_thread(self.leases.open))
        await self._adopt()

    async def close(self) -> None:
        """Stop every running job where it is and give its lease up: its checkpoint resumes
        it on the next start, or at once on another server sharing the store."""
        self._closing = True
        tasks = dict(self._tasks)
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        await self.leases.release(list(tasks))
        self.leases.close()

    def owner(self) -> str:
        return self.leases.owner

    async def schedule(self, row: JobRow) -> None:
        job_id = row.id
        previous = self._tasks.get(job_id)
        if previous is not None:
            # A run that paused for approval may still be returning (its row already says
            # waiting): let it end, or scheduling again would be a no-op.
            await asyncio.wait({previous})
            if self._tasks.get(job_id) is previous:
                del self._tasks[job_id]
        self._start(job_id)

    def _start(self, job_id: str) -> None:
        if job_id in self._tasks or self._closing:
            return
        task = asyncio.create_task(self._run_job(job_id), name=f"job:{job_id}")
        self._tasks[job_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job_id) is done:  # not a newer run of the same job
                del self._tasks[job_id]

        task.add_done_callback(forget)

    async def stop(self, job_id: str, reason: str) -> bool:
        """Stop the job's run if it runs here (its row is already cancelled; a run on
        another server stops at its next write or heartbeat), and wait for it to end."""
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self._stop_reasons[job_id] = reason
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_WAIT_S)
            if not task.done():
                log.warning("job %s is slow to stop", job_id, extra={"job_id": job_id})
        return False

    async def beat(self) -> None:
        """Renew this server's leases, stop runs that ended elsewhere, adopt orphans."""
        running = list(self._tasks)
        for job_id in await self.leases.renew(running):
            task = self._tasks.get(job_id)
            if task is not None and not task.done():  # cancelled or taken over elsewhere
                log.info(
                    "job %s ended elsewhere; stopping it here", job_id, extra={"job_id": job_id}
                )
                self._stop_reasons[job_id] = "ended on another server"
                task.cancel()
        await self._adopt()

    async def _adopt(self) -> None:
        """Start the queued and running jobs nobody else holds: at start-up this process's
        own unfinished jobs, later those of a server that died."""
        for job_id in await self.leases.adoptable():
            if job_id not in self._tasks and not self._closing:
                log.info("resuming job %s", job_id, extra={"job_id": job_id})
                self._start(job_id)

    # -- one job ------------------------------------------------------------------------
    async def _run_job(self, job_id: str) -> None:
        row = await self.store.get(job_id)
        if row is None or row.status not in ACTIVE_STATUSES:
            return
        deadline = asyncio.timeout(remaining_s(row))
        execution = self.execution
        try:
            async with deadline, self._slots:  # time spent queued counts too
                await self._execute_with_retries(job_id)
        except TimeoutError as exc:
            if deadline.expired():
                await execution.finish_cancelled(job_id, "deadline exceeded")
                await execution.cancel_providers(job_id)
            else:  # some inner timeout nobody handled: a crash like any other
                await self._crashed(job_id, exc)
        except RunLost:
            log.info("job %s ended elsewhere", job_id, extra={"job_id": job_id})
        except asyncio.CancelledError:
            if self._stop_reasons.pop(job_id, None) is None:
                raise  # shutting down: the row stays as it is, the next start resumes it
        except AppError as exc:
            if not self._closing:
                await execution.finish_failed(job_id, exc.message)
        except Exception as exc:  # noqa: BLE001 - the job-task boundary, logged in _crashed
            # A bug in one job must end that job `failed`, not leave it running forever or
            # take the other jobs down.
            await self._crashed(job_id, exc)

        finally:
            self._stop_reasons.pop(job_id, None)

    async def _crashed(self, job_id: str, exc: Exception) -> None:
        log.error("job %s crashed", job_id, exc_info=exc, extra={"job_id": job_id})
        if not self._closing:  # shutting down: leave the row; the next start resumes it
            await self.execution.finish_failed(job_id, f"internal error ({type(exc).__name__})")

    async def _execute_with_retries(self, job_id: str) -> None:
        """Run the job; an unexpected crash (a locked database, a dropped connection) is
        retried from the last checkpoint a bounded number of times before it counts."""
        for attempt in range(1, CRASH_RETRIES + 2):
            if not await self.leases.start(job_id):
                # Ended (cancelled) while it waited for a slot, or another server runs it.
                log.info("job %s is not ours to run", job_id, extra={"job_id": job_id})
                return
            try:
                await self.execution.execute(job_id, owner=self.leases.owner)
            except (AppError, RunLost, asyncio.CancelledError):
                raise
            except Exception:
                if attempt > CRASH_RETRIES or self._closing:
                    raise
                log.warning(
                    "job %s crashed (attempt %d); resuming from its checkpoint",
                    job_id,
                    attempt,
                    exc_info=True,
                    extra={"job_id": job_id},
                )
                await asyncio.sleep(CRASH_BACKOFF_S * attempt)
            else:
                return
