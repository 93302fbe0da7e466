"""The SAQ queue (scale-out): the API enqueues job ids, `aistudio worker` processes run them.

Liveness is SAQ's: a worker touches its running job every third of `queue.heartbeat_s`;
a job not touched for `heartbeat_s` (its worker died, or hangs) is swept by whichever
worker holds the sweep lock, and retried from its checkpoint until `queue.attempts` runs
are spent; then it ends `failed` with its last error. Cancelling aborts the SAQ job: the
worker running it stops the run and cancels its provider requests. No leases here.

One SAQ job per job, keyed by the job id. A job paused for plan approval ends its SAQ job;
approving enqueues the same key again. The API re-enqueues, now and then, any open job
whose SAQ job is gone or finished (an API that died between its insert and its enqueue),
which is harmless for one that is running: a run starts only while its row is open.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from saq import Queue
from saq.job import TERMINAL_STATUSES, Job, Status

from aistudio.errors import ToolUnavailable
from aistudio.graph.checkpoint import is_postgres, libpq_url
from aistudio.jobs.execution import JobExecution
from aistudio.jobs.models import JobRow
from aistudio.settings import QueueSettings

log = logging.getLogger("aistudio.jobs")
RUN_JOB = "run_job"
SWEEP_ABORT_WAIT_S = 3.0  # how long a sweep waits for a live worker to drop a stuck job
RECONCILE_LIMIT = 500
# (job id, SAQ status, error, runs) of a job SAQ gave up on: out of attempts.
GivenUp = Callable[[str, Status, str | None, int], Awaitable[None]]


class _Hooks:
    """What we add to SAQ's queues: a shorter sweep wait, and a call when a job ends
    unsuccessfully, so its row ends too (a job swept past its attempts has no run left to
    record it)."""

    given_up: GivenUp | None = None

    async def sweep(self, lock: int = 60, abort: float = SWEEP_ABORT_WAIT_S) -> list[str]:
        swept: list[str] = await super().sweep(lock, abort)  # type: ignore[misc]
        return swept

    async def finish(
        self,
        job: Job,
        status: Status,
        *,
        result: Any = None,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        await super().finish(  # type: ignore[misc]
            job, status, result=result, error=error, **kwargs
        )
        # An abort SAQ will retry (a sweep of a late heartbeat) is not the end of the job;
        # a cancel's abort is (its row already says so, and stays as it is).
        if (
            status in (Status.FAILED, Status.ABORTED)
            and not job.retryable
            and self.given_up is not None
        ):
            job_id = str((job.kwargs or {}).get("job_id", job.key))
            await self.given_up(job_id, status, error, job.attempts)


# SAQ's own dequeue picks up to N queued jobs at once, skipping only groups that already
# have an active job: two queued jobs of one group taken in the same batch run together.
# This one takes at most one job per group (a tenant's lane) per batch; locking re-checks
# `status = 'queued'`, so a job another worker took meanwhile is skipped, as in SAQ's.
DEQUEUE_ONE_PER_GROUP = """
WITH locked_job AS (
  SELECT key FROM {jobs_table}
  WHERE status = 'queued' AND queue = %(queue)s AND %(now)s >= scheduled
    AND key IN (
      SELECT key FROM (
        SELECT key, row_number() OVER (
          PARTITION BY coalesce(group_key, key) ORDER BY priority, scheduled
        ) AS nth
        FROM {jobs_table}
        WHERE status = 'queued' AND queue = %(queue)s AND %(now)s >= scheduled
          AND priority BETWEEN %(plow)s AND %(phigh)s
          AND (group_key IS NULL OR group_key NOT IN (
            SELECT group_key FROM {jobs_table}
            WHERE status = 'active' AND queue = %(queue)s AND group_key IS NOT NULL))
      ) AS candidates WHERE nth = 1)
  ORDER BY priority, scheduled
  LIMIT %(limit)s
  FOR UPDATE SKIP LOCKED
)
UPDATE {jobs_table} SET status = 'active'
FROM locked_job WHERE {jobs_table}.key = locked_job.key
RETURNING job
"""


def open_queue(settings: QueueSettings, *, given_up: GivenUp | None = None) -> Queue:
    """The queue the settings name (not connected yet)."""
    url = settings.url or ""
    queue: _Hooks
    if is_postgres(url):
        from saq.queue.postgres import PostgresQueue

        class PostgresJobQueue(_Hooks, PostgresQueue):
            async def _dequeue(self) -> None:
                await _dequeue_one_per_group(self)

        queue = PostgresJobQueue(
            url=libpq_url(url),
            name=settings.name,
            min_size=1,
            max_size=settings.concurrency + 4,
        )
    elif url.startswith("redis"):
        if settings.tenant_concurrency is not None:
            raise ToolUnavailable("queue.tenant_concurrency needs the Postgres queue")
        from saq.queue.redis import RedisQueue

        class RedisJobQueue(_Hooks, RedisQueue):
            pass

        queue = cast(RedisJobQueue, RedisJobQueue.from_url(url, name=settings.name))
    else:
        raise ToolUnavailable("queue.url must be a postgresql:// or redis:// URL")
    queue.given_up = given_up
    if not isinstance(queue, Queue):
        raise TypeError(type(queue).__name__)
    return queue


def job_options(settings: QueueSettings) -> dict[str, Any]:
    """SAQ's knobs of every job: its liveness (timeout, heartbeat) and its attempts."""
    return {
        "timeout": settings.timeout_s,
        "heartbeat": settings.heartbeat_s,
        "retries": settings.attempts,
        "retry_delay": settings.retry_delay_s,
        "retry_backoff": 60.0,
        "ttl": 24 * 3600,  # finished SAQ jobs stay a day for the monitor
    }


class QueueScheduler:
    """`Scheduler` of the API with a queue: enqueue, abort, and re-enqueue what was lost."""

    def __init__(self, execution: JobExecution) -> None:
        self.execution = execution
        self.store = execution.store
        self.settings = execution.settings.queue
        self.queue = open_queue(self.settings)
        self._options = job_options(self.settings)

    async def open(self) -> None:
        await self.queue.connect()
        await self.beat()

    async def close(self) -> None:
        await self.queue.disconnect()

    def owner(self) -> str | None:
        return None

    async def schedule(self, row: JobRow, *, fresh: bool = True) -> None:
        options = dict(self._options)
        if row.stage is not None or not fresh:
            # Not a new job (approved, or lost): its SAQ job may have ended, and SAQ takes
            # a key again only with a later schedule than the last one.
            existing = await self.queue.job(row.id)
            if existing is not None:
                if existing.status not in TERMINAL_STATUSES:
                    return  # still queued or running
                options["scheduled"] = max(int(time.time()), existing.scheduled + 1)
        if self.settings.tenant_concurrency is not None:
            options["group_key"] = await self._lane(row.tenant)
        await self.queue.enqueue(RUN_JOB, key=row.id, job_id=row.id, **options)

    async def stop(self, job_id: str, reason: str) -> bool:
        job = await self.queue.job(job_id)
        if job is None or job.status in TERMINAL_STATUSES:
            return False
        running = job.status in (Status.ACTIVE, Status.ABORTING)
        await self.queue.abort(job, reason)
        return running

    async def beat(self) -> None:
        """Re-enqueue open jobs whose SAQ job is missing or finished."""
        quiet_since = time.time() - self.settings.heartbeat_s
        rows = await self.store.stale_open_jobs(quiet_since, RECONCILE_LIMIT)
        if not rows:
            return
        known = await self.queue.jobs(row.id for row in rows)
        for row, job in zip(rows, known, strict=True):
            if job is None or job.status in TERMINAL_STATUSES:
                log.info("job %s has no live queue entry: enqueuing it again", row.id)
                await self.schedule(row, fresh=False)

    async def _lane(self, tenant: str) -> str:
        """The tenant's least busy lane: SAQ runs one job per group key at a time, so a
        tenant with N lanes has at most N jobs running."""
        lanes = [f"{tenant}/{n}" for n in range(self.settings.tenant_concurrency or 1)]
        pool = self.queue.pool  # type: ignore[attr-defined]
        async with pool.connection() as conn, conn.cursor() as cursor:
            await cursor.execute(
                "SELECT group_key, count(*) FROM saq_jobs WHERE queue = %s"
                " AND status IN ('queued', 'active') AND group_key = ANY(%s) GROUP BY group_key",
                (self.queue.name, lanes),
            )
            busy = dict(await cursor.fetchall())
        return min(lanes, key=lambda lane: busy.get(lane, 0))


async def _dequeue_one_per_group(queue: Any) -> None:
    """SAQ's `PostgresQueue._dequeue` with DEQUEUE_ONE_PER_GROUP (see there)."""
    from psycopg.sql import SQL
    from saq.utils import now, now_seconds

    if queue._dequeue_lock.locked():
        return
    async with queue._dequeue_lock:
        async with queue.pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            if not queue._waiting:
                return
            await cursor.execute(
                SQL(DEQUEUE_ONE_PER_GROUP).format(jobs_table=queue.jobs_table),
                {
                    "queue": queue.name,
                    "now": now_seconds(),
                    "limit": queue._waiting,
                    "plow": queue._priorities[0],
                    "phigh": queue._priorities[1],
                },
            )
            rows = await cursor.fetchall()
            dequeued = now()
            for row in rows:
                job = queue.deserialize(row[0], Status.ACTIVE)
                job.started = dequeued
                job.touched = dequeued
                await queue._update(job, status=Status.ACTIVE, connection=conn)
                queue._job_queue.put_nowait(job)
        if rows:
            await queue._notify("saq:dequeue")
