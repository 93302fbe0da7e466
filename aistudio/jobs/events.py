"""Job events in the database: an append-only table with a sequence number per job.

Any process may write a job's events (the API queues and cancels it, a worker runs it); any
API instance streams them (SSE). Writers number events inside their own transaction: on
PostgreSQL a transaction-scoped advisory lock on the job serialises its writers, and the
commit NOTIFYs `aistudio_job_events` with the job id, which wakes the streams waiting on
every instance (`EventHub`). SQLite has one writer at a time anyway (each INSERT computes
its own number); its streams poll, and writes made in the same process wake them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Float, String, bindparam, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from aistudio.jobs.models import JobAssetRow, JobEventRow, JobRow

log = logging.getLogger("aistudio.jobs")
CHANNEL = "aistudio_job_events"
LISTEN_RETRY_S = 2.0

# One statement numbers and inserts an event: executed once per event of a batch (one
# round trip), each row sees the ones before it, so a batch gets consecutive numbers.
_NEXT_SEQ = (
    select(func.coalesce(func.max(JobEventRow.seq), 0) + 1)
    .where(JobEventRow.job_id == bindparam("job_id", type_=String))
    .scalar_subquery()
)
_INSERT_EVENT = insert(JobEventRow).from_select(
    ["job_id", "seq", "event", "ts", "data"],
    select(
        bindparam("job_id", type_=String),
        _NEXT_SEQ,
        bindparam("event", type_=String),
        bindparam("ts", type_=Float),
        bindparam("data", type_=JSON),
    ),
)
_LAST_SEQ = select(func.max(JobEventRow.seq)).where(
    JobEventRow.job_id == bindparam("job_id", type_=String)
)
_LOCK_AND_NOTIFY = select(
    func.pg_advisory_xact_lock(func.hashtext(bindparam("job_id", type_=String))),
    func.pg_notify(literal(CHANNEL), bindparam("job_id", type_=String)),
)


async def append_events(
    conn: AsyncConnection, job_id: str, events: Sequence[Mapping[str, Any]], *, postgres: bool
) -> list[dict[str, Any]]:
    """Insert `events` after the job's last one, inside the caller's transaction; returns
    the records as stored ({seq, ts, **event})."""
    if not events:
        return []
    if postgres:
        await conn.execute(_LOCK_AND_NOTIFY, {"job_id": job_id})
    now = round(time.time(), 3)
    records = [{**event, "ts": float(event.get("ts", now))} for event in events]
    params = [
        {"job_id": job_id, "event": str(r.get("event", "message")), "ts": r["ts"], "data": r}
        for r in records
    ]
    await conn.execute(_INSERT_EVENT, params)
    last = int((await conn.execute(_LAST_SEQ, {"job_id": job_id})).scalar_one())
    first = last - len(records) + 1
    for i, record in enumerate(records):
        record["seq"] = first + i
    return records


async def add_asset_refs(
    conn: AsyncConnection, job_id: str, keys: Iterable[str], *, postgres: bool
) -> None:
    """Record that the job refers to these stored objects (known ones are skipped)."""
    rows = [{"job_id": job_id, "key": key} for key in sorted(set(keys))]
    if rows:
        dialect = postgresql if postgres else sqlite
        await conn.execute(dialect.insert(JobAssetRow).on_conflict_do_nothing(), rows)


async def events_after(
    conn: AsyncConnection, job_id: str, after: int, limit: int = 500
) -> list[dict[str, Any]]:
    result = await conn.execute(
        select(JobEventRow.seq, JobEventRow.ts, JobEventRow.data)
        .where(JobEventRow.job_id == job_id, JobEventRow.seq > after)
        .order_by(JobEventRow.seq)
        .limit(limit)
    )
    # The stored record is the event as written; seq and ts are the table's (authoritative).
    return [{**dict(data), "seq": seq, "ts": ts} for seq, ts, data in result]


class EventHub:
    """Wakes the streams of this process waiting for a job's next events.

    `changed(job_id)` is called by writers in this process; on PostgreSQL a LISTEN
    connection calls it for the writes of every other process too. Waits are bounded by a
    timeout, so a lost notification (or SQLite, which has none) costs one poll interval."""

    def __init__(self, listen_dsn: str | None = None) -> None:
        self._waiters: dict[str, asyncio.Event] = {}
        self._dsn = listen_dsn
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @property
    def poll_s(self) -> float:
        # With LISTEN the timeout is only a safety net; SQLite readers really poll.
        return 5.0 if self._dsn and self.listening.is_set() else 0.5

    async def start(self) -> None:
        if self._dsn and self._task is None:
            self._task = asyncio.create_task(self._listen(self._dsn), name="job-events-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def changed(self, job_id: str) -> None:
        waiter = self._waiters.pop(job_id, None)
        if waiter is not None:
            waiter.set()

    async def wait(self, job_id: str, timeout_s: float | None = None) -> None:
        """Sleep until the job has new events (or the timeout passes)."""
        waiter = self._waiters.setdefault(job_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_s if timeout_s is None else timeout_s):
                await waiter.wait()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.changed(payload)

    async def _listen(self, dsn: str) -> None:
        """Hold a LISTEN connection; reconnect when it drops (a database restart)."""
        import asyncpg

        while True:
            conn = None
            try:
                conn = await asyncpg.connect(dsn)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _conn, done=closed: done.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self.listening.set()
                # Everything that changed while we were not listening: wake all waiters.
                for job_id in list(self._waiters):
                    self.changed(job_id)
                await closed.wait()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("job events: LISTEN connection lost (%s); retrying", exc)
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    await conn.close(timeout=2)
            await asyncio.sleep(LISTEN_RETRY_S)


async def forget_job(conn: AsyncConnection, job_id: str) -> tuple[list[str], int]:
    """Delete the job's row, events and asset references (inside the caller's transaction);
    returns the storage keys no other job refers to, and how many events went."""
    mine = await conn.execute(select(JobAssetRow.key).where(JobAssetRow.job_id == job_id))
    keys = set(mine.scalars())
    shared = await still_referenced(conn, keys, besides=job_id)
    await conn.execute(delete(JobAssetRow).where(JobAssetRow.job_id == job_id))
    gone = await conn.execute(delete(JobEventRow).where(JobEventRow.job_id == job_id))
    await conn.execute(delete(JobRow).where(JobRow.id == job_id))
    return sorted(keys - shared), int(gone.rowcount or 0)


async def still_referenced(
    conn: AsyncConnection, keys: Iterable[str], *, besides: str | None = None
) -> set[str]:
    """Which of `keys` some job (other than `besides`) refers to."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = select(JobAssetRow.key).where(JobAssetRow.key.in_(wanted[start : start + 500]))
        if besides is not None:
            query = query.where(JobAssetRow.job_id != besides)
        found |= set((await conn.execute(query)).scalars())
    return found
