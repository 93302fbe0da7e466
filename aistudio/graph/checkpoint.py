"""Checkpoint savers (thread id = job id): SQLite in the data folder on the embedded
default; Postgres when the job store is on Postgres (jobs and checkpoints in one database,
so any server sharing it can resume any job where it stopped).

LangGraph's `AsyncSqliteSaver` goes through aiosqlite, which hands every statement, fetch,
cursor close and commit to its thread separately: a checkpoint costs about five thread
round trips, and a job ~230 of them (most of the orchestration CPU the API benchmark
measured). `ThreadedSqliteSaver` is LangGraph's own synchronous `SqliteSaver` (same schema,
same SQL) whose async methods run each whole operation on one dedicated thread: one round
trip per checkpoint, and one connection shared by every job of the process.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from aistudio import artifacts, brief_draft
from aistudio.settings import Settings

T = TypeVar("T")


def artifact_serializer() -> JsonPlusSerializer:
    """A serializer that only revives our own artifact types (plus LangGraph's safe ones).

    Checkpoints are data we wrote, but an allow-list keeps a tampered database from
    instantiating arbitrary classes on resume.
    """
    types = [
        obj
        for module in (artifacts, brief_draft)
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=types)


class ThreadedSqliteSaver(SqliteSaver):
    """`SqliteSaver` with an async interface: each call is one hop to a private thread.

    The sync methods stay usable from other threads (LangGraph Studio, scripts); the
    saver's own lock serialises them with the async ones.
    """

    def __init__(self, conn: sqlite3.Connection, *, serde: JsonPlusSerializer) -> None:
        super().__init__(conn, serde=serde)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoints")

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        self._thread.shutdown(wait=True)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self._call(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        def listed() -> list[CheckpointTuple]:
            return list(self.list(config, filter=filter, before=before, limit=limit))

        for item in await self._call(listed):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await self._call(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self._call(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self._call(self.delete_thread, thread_id)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self._call(self.get_delta_channel_history, config=config, channels=channels)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the connection is opened here and used on the saver's
    # thread (and by sync callers), always under the saver's lock.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
    # WAL lets a second process (status readers, a CLI next to the server) look while a
    # job writes. synchronous=NORMAL: a commit survives the process being killed, but not
    # a power cut, which can roll the last checkpoints back (the file stays consistent);
    # that job then redoes its last nodes. Nothing is paid twice for it: a provider
    # request id is kept in storage (fsynced) the moment it is accepted, and
    # render_submit reuses it. FULL costed an fsync per node.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@asynccontextmanager
async def sqlite_saver(path: Path) -> AsyncIterator[ThreadedSqliteSaver]:
    """A saver on `path`, set up (tables created) before it is handed out."""
    conn = await asyncio.to_thread(_connect, path)
    saver = ThreadedSqliteSaver(conn, serde=artifact_serializer())
    try:
        await saver._call(saver.setup)
        yield saver
    finally:
        await saver._call(conn.close)
        await asyncio.to_thread(saver.shutdown)


def libpq_url(url: str) -> str:
    """The job store's SQLAlchemy URL as the libpq URL psycopg takes (no driver suffix)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ValueError(f"not a PostgreSQL URL: {scheme}://...")
    return f"postgresql://{rest}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


SETUP_LOCK = "aistudio:checkpoint-setup"
LOCK_POLL_S = 0.1


async def _take_lock(conn: AsyncConnection[DictRow], name: str) -> None:
    """A session advisory lock, polled: a session blocked in `pg_advisory_lock` is an open
    transaction, which the holder's CREATE INDEX CONCURRENTLY waits for (a deadlock)."""
    while True:
        cursor = await conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS held", (name,))
        row = await cursor.fetchone()
        if row is not None and row["held"]:
            return
        await asyncio.sleep(LOCK_POLL_S)


@asynccontextmanager
async def postgres_saver(url: str) -> AsyncIterator[AsyncPostgresSaver]:
    """LangGraph's Postgres saver on a small pool (psycopg is natively async: no thread
    hops), its tables created or migrated before it is handed out."""
    pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
        libpq_url(url),
        min_size=1,
        max_size=4,
        open=False,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    async with pool:
        saver = AsyncPostgresSaver(pool, serde=artifact_serializer())
        # One process at a time: LangGraph's setup is not safe to run concurrently (the
        # second of an API and a worker starting together failed on its migrations table).
        async with pool.connection() as conn:
            await _take_lock(conn, SETUP_LOCK)
            try:
                await saver.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (SETUP_LOCK,))
        yield saver


@asynccontextmanager
async def open_saver(settings: Settings) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """The saver the settings call for: the job store's Postgres, else SQLite."""
    url = settings.server.database_url
    if url and is_postgres(url):
        async with postgres_saver(url) as saver:
            yield saver
    else:
        async with sqlite_saver(settings.checkpoint_db) as sqlite:
            yield sqlite


# -- retention: what a finished job keeps (see aistudio.jobs.retention) ----------------
# The kept checkpoints: the thread's last root-graph checkpoint, and the one a node
# (`fork_node`) last ran from, found through that task's saved writes (their task path
# ends with the node's name): no checkpoint is deserialised to find them.
_SQLITE_KEEP = (
    "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''"
    " ORDER BY checkpoint_id DESC LIMIT 1",
    "SELECT checkpoint_id FROM writes WHERE thread_id = ? AND checkpoint_ns = ''"
    " AND task_path LIKE ? ORDER BY checkpoint_id DESC LIMIT 1",
)
_PG_KEEP = tuple(q.replace("?", "%s").replace("writes", "checkpoint_writes") for q in _SQLITE_KEEP)
_PG_TRIM = (
    "DELETE FROM checkpoint_writes WHERE thread_id = %(t)s"
    " AND NOT (checkpoint_ns = '' AND checkpoint_id = ANY(%(keep)s))",
    "DELETE FROM checkpoints WHERE thread_id = %(t)s"
    " AND NOT (checkpoint_ns = '' AND checkpoint_id = ANY(%(keep)s))",
    # A blob is a channel's value at one version; kept checkpoints name the ones they use.
    "DELETE FROM checkpoint_blobs b WHERE b.thread_id = %(t)s AND NOT EXISTS ("
    " SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id"
    " AND c.checkpoint_ns = b.checkpoint_ns"
    " AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)",
)


def _sqlite_trim(saver: SqliteSaver, thread_id: str, fork_node: str) -> list[str]:
    conn = saver.conn
    with saver.lock, conn:
        final = conn.execute(_SQLITE_KEEP[0], (thread_id,)).fetchall()
        fork = conn.execute(_SQLITE_KEEP[1], (thread_id, f"%{fork_node}")).fetchall()
        keep = sorted({row[0] for row in (*final, *fork)})
        if not keep:
            return []
        marks = ",".join("?" * len(keep))
        for table in ("writes", "checkpoints"):
            conn.execute(
                f"DELETE FROM {table} WHERE thread_id = ? AND NOT "  # noqa: S608 - our tables
                f"(checkpoint_ns = '' AND checkpoint_id IN ({marks}))",
                (thread_id, *keep),
            )
        return keep


async def trim_thread(saver: BaseCheckpointSaver[Any], thread_id: str, fork_node: str) -> list[str]:
    """Delete every checkpoint of the thread (subgraphs' included) except its last one and
    the one `fork_node` last ran from; returns the ids kept."""
    if isinstance(saver, ThreadedSqliteSaver):
        return await saver._call(_sqlite_trim, saver, thread_id, fork_node)
    if not isinstance(saver, AsyncPostgresSaver):
        raise TypeError(f"cannot trim the checkpoints of a {type(saver).__name__}")
    async with saver._cursor() as cur, cur.connection.transaction():
        await cur.execute(_PG_KEEP[0], (thread_id,), prepare=False)
        final = await cur.fetchall()
        await cur.execute(_PG_KEEP[1], (thread_id, f"%{fork_node}"), prepare=False)
        fork = await cur.fetchall()
        keep = sorted({row["checkpoint_id"] for row in (*final, *fork)})
        if keep:
            for sql in _PG_TRIM:
                await cur.execute(sql, {"t": thread_id, "keep": keep}, prepare=False)
        return keep
