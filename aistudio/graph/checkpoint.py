"""Checkpoint savers: SQLite on the embedded default (thread id = job id)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from pydantic import BaseModel

from aistudio import artifacts


def artifact_serializer() -> JsonPlusSerializer:
    """A serializer that only revives our own artifact types (plus LangGraph's safe ones).

    Checkpoints are data we wrote, but an allow-list keeps a tampered database from
    instantiating arbitrary classes on resume.
    """
    types = [
        obj for _, obj in inspect.getmembers(artifacts, inspect.isclass)
        if issubclass(obj, BaseModel) and obj.__module__ == artifacts.__name__
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=types)


@asynccontextmanager
async def sqlite_saver(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path)) as conn:
        # WAL lets a second process (status readers) look while a job writes; concurrent
        # jobs (the server) share the file, so a writer waits for another's commit instead
        # of failing with "database is locked" after sqlite's 5 s default.
        await conn.execute("PRAGMA busy_timeout = 60000")
        await conn.execute("PRAGMA journal_mode=WAL")
        saver = AsyncSqliteSaver(conn, serde=artifact_serializer())
        await saver.setup()
        yield saver
