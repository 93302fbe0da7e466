"""Conversation threads in the job store: who owns each thread, its metadata and status.
The conversation itself (messages, brief) is the LangGraph checkpoint of the same id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from aistudio.jobs.models import ThreadRow, utcnow

SORTABLE = {"thread_id", "status", "created_at", "updated_at"}


class ThreadStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def insert(self, row: ThreadRow) -> bool:
        """False when the id is taken (by this tenant or another: ids are global)."""
        async with self.sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True

    async def get(self, thread_id: str, tenant: str | None = None) -> ThreadRow | None:
        async with self.sessions() as session:
            row = await session.get(ThreadRow, thread_id)
        if row is None or (tenant is not None and row.tenant != tenant):
            return None
        return row

    async def update(self, thread_id: str, **values: Any) -> None:
        values.setdefault("updated_at", utcnow())
        async with self.engine.begin() as conn:
            await conn.execute(
                update(ThreadRow).where(ThreadRow.thread_id == thread_id).values(**values)
            )

    async def delete(self, thread_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(ThreadRow).where(ThreadRow.thread_id == thread_id))

    async def search(
        self,
        tenant: str,
        *,
        ids: Sequence[str] = (),
        status: str | None = None,
        sort_by: str = "created_at",
        descending: bool = True,
    ) -> list[ThreadRow]:
        """A tenant's threads, sorted; metadata filters are the caller's (JSON varies by
        database), and so are limit / offset after them."""
        column = getattr(ThreadRow, sort_by if sort_by in SORTABLE else "created_at")
        query = select(ThreadRow).where(ThreadRow.tenant == tenant)
        if ids:
            query = query.where(ThreadRow.thread_id.in_(list(ids)))
        if status:
            query = query.where(ThreadRow.status == status)
        query = query.order_by(column.desc() if descending else column.asc())
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def reset_busy(self, now: datetime) -> None:
        """At start-up: no run survives a restart, so no thread is busy any more."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(ThreadRow)
                .where(ThreadRow.status == "busy")
                .values(status="idle", updated_at=now)
            )
