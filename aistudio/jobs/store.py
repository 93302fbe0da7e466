"""Durable job store: SQLAlchemy async over SQLite (default) or Postgres, same code.

The schema is owned by Alembic (`aistudio/jobs/migrations`); `open_store` upgrades the
database to head before anything reads it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    ColumnDefault,
    ColumnElement,
    Connection,
    event,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from aistudio.errors import InputError
from aistudio.jobs.events import add_asset_refs, append_events, events_after
from aistudio.jobs.models import ApiKeyRow, JobRow, utcnow
from aistudio.pipeline import ACTIVE_STATUSES, AWAITING_APPROVAL, OPEN_STATUSES

MIGRATIONS = Path(__file__).parent / "migrations"
_JOB_COLUMNS = tuple(JobRow.__table__.columns)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


# Held while one process migrates: an API and its workers starting together on a new
# database would otherwise create the same tables at once, and all but one fail.
MIGRATE_LOCK = "aistudio:migrate"


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent; run at every start-up)."""
    # Alembic reads a handful of small revision files here; this runs once, before serving.
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # DDL is transactional: held to the commit
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": MIGRATE_LOCK}
            )
        await conn.run_sync(_upgrade)


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A fixed pool: SQLite has one writer at a time anyway, and overflow connections
        # (a thread and a file open each, closed again at once) were most of the cost of a
        # burst of submissions. A request waits for a free connection instead.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=8, max_overflow=0, pool_timeout=60
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL: status readers never wait for the job writers.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _status_in(statuses: Sequence[str]) -> ColumnElement[bool]:
    """`status IN (...)` as `=` terms: an IN list is re-rendered on every execution (an
    "expanding" parameter), which made a status compare-and-set twice the cost of an
    update on the hot path; this form compiles once per list length."""
    return or_(*(JobRow.status == status for status in statuses))


def _free_for(owner: str, now: datetime) -> ColumnElement[bool]:
    return or_(
        JobRow.owner.is_(None),
        JobRow.owner == owner,
        JobRow.lease_until.is_(None),
        JobRow.lease_until < now,
    )


@dataclass(frozen=True)
class Page:
    items: list[JobRow]
    next_cursor: str | None


def _encode_cursor(row: JobRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, job_id = json.loads(raw)
        return datetime.fromisoformat(created), str(job_id)
    except (ValueError, TypeError) as exc:
        raise InputError("cursor is not one this API returned") from exc


Event = dict[str, Any]


class JobStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.postgres = engine.dialect.name == "postgresql"

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # -- jobs ---------------------------------------------------------------------------
    async def insert(
        self, row: JobRow, event: Event | None = None, asset_keys: Collection[str] = ()
    ) -> JobRow | None:
        """Insert a new job with its first event and the stored objects it refers to, in one
        transaction; None when (tenant, idempotency key) already exists."""
        # Core, not an ORM session (a third of the cost). The row gets the column defaults
        # a flush would have given it, and is inserted as it is.
        for column in _JOB_COLUMNS:
            default = column.default
            if getattr(row, column.key) is None and isinstance(default, ColumnDefault):
                value = default.arg(None) if default.is_callable else default.arg
                setattr(row, column.key, value)
        values = {column.key: getattr(row, column.key) for column in _JOB_COLUMNS}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(JobRow).values(**values))
                if event is not None:
                    await append_events(conn, row.id, [event], postgres=self.postgres)
                await add_asset_refs(conn, row.id, asset_keys, postgres=self.postgres)
        except IntegrityError:
            if row.idempotency_key is None:
                raise
            return None
        return row

    async def get(self, job_id: str, tenant: str | None = None) -> JobRow | None:
        async with self.sessions() as session:
            row = await session.get(JobRow, job_id)
        if row is None or (tenant is not None and row.tenant != tenant):
            return None
        return row

    async def by_idempotency_key(self, tenant: str, key: str) -> JobRow | None:
        async with self.sessions() as session:
            result = await session.execute(
                select(JobRow).where(JobRow.tenant == tenant, JobRow.idempotency_key == key)
            )
            return result.scalar_one_or_none()

    # Updates go through Core, not an ORM session: they are the hot path of a running job
    # (stage and progress), and a session costs several times the statement.
    async def update(self, job_id: str, **values: Any) -> None:
        values.setdefault("updated_at", utcnow())
        async with self.engine.begin() as conn:
            await conn.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    async def set_status_if(self, job_id: str, allowed: Sequence[str], **values: Any) -> bool:
        """Update only while the job is in one of `allowed` statuses (a compare-and-set)."""
        values.setdefault("updated_at", utcnow())
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(JobRow).where(JobRow.id == job_id, _status_in(allowed)).values(**values)
            )
        return bool(result.rowcount)

    async def transition(
        self,
        job_id: str,
        allowed: Sequence[str],
        event: Event | None,
        *,
        fence: str | None = None,
        asset_keys: Collection[str] = (),
        **values: Any,
    ) -> list[Event] | None:
        """`set_status_if` and the event that announces it, in one transaction: the event is
        written only by whoever made the change (with `fence`: only while the row's owner
        is that run). None when nothing changed."""
        values.setdefault("updated_at", utcnow())
        query = update(JobRow).where(JobRow.id == job_id, _status_in(allowed))
        if fence is not None:
            query = query.where(JobRow.owner == fence)
        async with self.engine.begin() as conn:
            result = await conn.execute(query.values(**values))
            if not result.rowcount:
                return None
            await add_asset_refs(conn, job_id, asset_keys, postgres=self.postgres)
            events = [event] if event is not None else []
            return await append_events(conn, job_id, events, postgres=self.postgres)

    async def record(
        self,
        job_id: str,
        events: Sequence[Event],
        *,
        values: dict[str, Any] | None = None,
        fence: str | None = None,
        asset_keys: Collection[str] = (),
    ) -> list[Event] | None:
        """A running job's batch: its events, the stored objects it now refers to and the
        row fields (stage, progress) that changed, in one transaction. With `fence` (the
        run's owner), only while the job is still that run's (a queue may have handed it to
        another worker): None, and nothing written, when it is not."""
        async with self.engine.begin() as conn:
            if values or fence is not None:
                query = update(JobRow).where(JobRow.id == job_id)
                if fence is not None:
                    query = query.where(JobRow.owner == fence)
                result = await conn.execute(query.values(updated_at=utcnow(), **(values or {})))
                if fence is not None and not result.rowcount:
                    return None
            await add_asset_refs(conn, job_id, asset_keys, postgres=self.postgres)
            return await append_events(conn, job_id, events, postgres=self.postgres)

    async def events_after(self, job_id: str, after: int, limit: int = 500) -> list[Event]:
        async with self.engine.connect() as conn:
            return await events_after(conn, job_id, after, limit)

    async def adoptable(self, owner: str, now: datetime) -> list[str]:
        """Queued or running jobs `owner` may take, oldest first: its own, nobody's, and
        those whose lease ran out (their server is gone)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(JobRow.id)
                .where(_status_in(ACTIVE_STATUSES), _free_for(owner, now))
                .order_by(JobRow.created_at, JobRow.id)
            )
            return list(result.scalars())

    async def claim(
        self, job_id: str, owner: str, until: datetime, now: datetime, **values: Any
    ) -> bool:
        """Take (or keep) the lease of a queued or running job, setting `values` with it;
        False when the job ended or another server holds it."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(JobRow)
                .where(JobRow.id == job_id, _status_in(ACTIVE_STATUSES), _free_for(owner, now))
                .values(owner=owner, lease_until=until, **values)
            )
        return bool(result.rowcount)

    async def renew(
        self, owner: str, job_ids: Collection[str], until: datetime, now: datetime
    ) -> set[str]:
        """Extend `owner`'s leases on `job_ids`; returns those it must stop: cancelled (by
        another server, say) or held by another server (taken over after this one's lease
        ran out). A job adopted here but still waiting for a slot is neither."""
        if not job_ids:
            return set()
        async with self.engine.begin() as conn:
            await conn.execute(
                update(JobRow)
                .where(JobRow.id.in_(job_ids), JobRow.owner == owner, _status_in(OPEN_STATUSES))
                .values(lease_until=until)
            )
            kept = await conn.execute(
                select(JobRow.id).where(
                    JobRow.id.in_(job_ids), JobRow.status != "cancelled", _free_for(owner, now)
                )
            )
            return set(job_ids) - set(kept.scalars())

    async def release(self, owner: str, job_ids: Collection[str]) -> None:
        """Give leases up (at shutdown): another server may adopt the jobs at once."""
        if job_ids:
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(JobRow)
                    .where(JobRow.id.in_(job_ids), JobRow.owner == owner)
                    .values(lease_until=None)
                )

    async def stale_open_jobs(self, quiet_since: float, limit: int) -> list[JobRow]:
        """Queued or running jobs whose row has not changed since `quiet_since` (epoch s),
        oldest first: the ones a queue may have lost."""
        moment = datetime.fromtimestamp(quiet_since, tz=UTC)
        async with self.sessions() as session:
            result = await session.execute(
                select(JobRow)
                .where(_status_in(ACTIVE_STATUSES), JobRow.updated_at < moment)
                .order_by(JobRow.updated_at)
                .limit(limit)
            )
            return list(result.scalars())

    async def overdue_approvals(self, now: datetime) -> list[str]:
        """Jobs waiting for plan approval past their deadline (no task watches them)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(JobRow.id).where(
                    JobRow.status == AWAITING_APPROVAL,
                    JobRow.deadline_at.is_not(None),
                    JobRow.deadline_at < now,
                )
            )
            return list(result.scalars())

    async def list(
        self,
        tenant: str,
        *,
        kind: str | None = None,
        status: str | None = None,
        parent_id: str | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page:
        """Newest first; the cursor is the (created_at, id) of the last row of a page.
        `parent_id`: only the jobs made from that one (remixes, shot revises)."""
        query = select(JobRow).where(JobRow.tenant == tenant)
        if parent_id:
            query = query.where(JobRow.parent_id == parent_id)
        if kind:
            query = query.where(JobRow.kind == kind)
        if status:
            query = query.where(JobRow.status == status)
        if cursor:
            created, job_id = _decode_cursor(cursor)
            query = query.where(
                (JobRow.created_at < created)
                | ((JobRow.created_at == created) & (JobRow.id < job_id))
            )
        query = query.order_by(JobRow.created_at.desc(), JobRow.id.desc()).limit(limit + 1)
        async with self.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, _encode_cursor(rows[-1]) if more and rows else None)

    async def thread_jobs(
        self, tenant: str, thread_id: str, *, limit: int = 50
    ) -> Sequence[JobRow]:
        """The jobs a conversation rendered, newest first."""
        query = (
            select(JobRow)
            .where(JobRow.tenant == tenant, JobRow.thread_id == thread_id)
            .order_by(JobRow.created_at.desc(), JobRow.id.desc())
            .limit(limit)
        )
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())

    # -- api keys -----------------------------------------------------------------------
    async def add_api_key(self, key_id: str, tenant: str, key_hash: str) -> None:
        async with self.sessions() as session:
            session.add(ApiKeyRow(key_id=key_id, tenant=tenant, hash=key_hash))
            await session.commit()

    async def api_key(self, key_id: str) -> ApiKeyRow | None:
        async with self.sessions() as session:
            row = await session.get(ApiKeyRow, key_id)
        return None if row is None or row.revoked_at is not None else row


@asynccontextmanager
async def open_store(url: str) -> AsyncIterator[JobStore]:
    engine = make_engine(url)
    try:
        await migrate(engine)
        yield JobStore(engine)
    finally:
        await engine.dispose()
