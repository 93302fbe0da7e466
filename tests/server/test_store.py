"""The job store on SQLite and on a real PostgreSQL: migrations match the models, and the
queries the API relies on behave the same on both."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from litestar.testing import AsyncTestClient
from sqlalchemy import Connection, text

from aistudio.errors import InputError
from aistudio.jobs.models import Base, JobRow, utcnow
from aistudio.jobs.store import JobStore, migrate, open_store
from aistudio.server.app import create_app
from tests.conftest import ROOT
from tests.server.conftest import finished, promo_body, server_settings
from tests.server.fakes import fast_toolbox


def _row(job_id: str, tenant: str = "acme", key: str | None = None, **extra: Any) -> JobRow:
    now = extra.pop("created_at", utcnow())
    fields: dict[str, Any] = {
        "status": "queued",
        "progress": 0,
        "user_content": "brief",
        "request": {"content": "brief"},
        "request_hash": "h",
        "reference": {"key": "k"},
        "cost_usd": 0.0,
        "created_at": now,
        "updated_at": now,
        **extra,
    }
    return JobRow(id=job_id, tenant=tenant, kind="promo", idempotency_key=key, **fields)


def _diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


async def test_migrated_schema_equals_the_models(db_url: str) -> None:
    async with open_store(db_url) as store:
        await migrate(store.engine)  # idempotent: a second start-up changes nothing
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []


async def test_insert_get_scope_and_idempotency(db_url: str) -> None:
    async with open_store(db_url) as store:
        assert await store.insert(_row("a1", key="k1")) is not None
        assert await store.insert(_row("a2", key="k1")) is None  # same tenant + key
        assert await store.insert(_row("b1", tenant="other", key="k1")) is not None
        assert await store.insert(_row("a3")) is not None  # no key: never a clash
        assert await store.insert(_row("a4")) is not None
        assert (await store.get("a1", "acme")) is not None
        assert await store.get("a1", "other") is None
        found = await store.by_idempotency_key("acme", "k1")
        assert found is not None and found.id == "a1"


async def test_compare_and_set_status_and_active_jobs(db_url: str) -> None:
    async with open_store(db_url) as store:
        for job_id in ("j1", "j2", "j3"):
            await store.insert(_row(job_id))
        await store.update(
            "j2",
            status="running",
            stage="compose",
            progress=40,
            assets={"video.mp4": {"key": "x", "mime": "video/mp4"}},
        )
        assert await store.set_status_if("j3", ("queued", "running"), status="cancelled")
        assert not await store.set_status_if("j3", ("queued", "running"), status="failed")
        assert await store.adoptable("me", utcnow()) == ["j1", "j2"]
        row = await store.get("j2")
        assert row is not None and row.progress == 40
        assert row.assets == {"video.mp4": {"key": "x", "mime": "video/mp4"}}


async def test_leases_keep_each_job_on_one_server(db_url: str) -> None:
    now = utcnow()
    later, earlier = now + timedelta(seconds=30), now - timedelta(seconds=1)
    async with open_store(db_url) as store:
        await store.insert(_row("free", created_at=now))
        await store.insert(
            _row(
                "held",
                created_at=now + timedelta(seconds=1),
                status="running",
                owner="b",
                lease_until=later,
            )
        )
        await store.insert(
            _row(
                "lapsed",
                created_at=now + timedelta(seconds=2),
                status="running",
                owner="b",
                lease_until=earlier,
            )
        )
        await store.insert(_row("done", status="completed", owner="b", lease_until=None))
        assert await store.adoptable("a", now) == ["free", "lapsed"]
        assert await store.adoptable("b", now) == ["free", "held", "lapsed"]

        assert await store.claim("free", "a", later, now)
        assert not await store.claim("free", "b", later, now)  # a holds it now
        assert not await store.claim("held", "a", later, now)
        assert await store.claim("lapsed", "a", later, now)  # b's lease ran out
        assert not await store.claim("done", "a", later, now)  # finished: nothing to run

        assert await store.renew("a", ["free", "lapsed"], later, now) == set()
        await store.set_status_if("lapsed", ("running",), status="cancelled")  # elsewhere
        await store.update("free", owner="b")  # taken over after a's lease ran out
        assert await store.renew("a", ["free", "lapsed"], later, now) == {"free", "lapsed"}
        # Adopted here, still waiting for a slot: the dead server's lapsed lease is no stop.
        await store.insert(_row("adopted", status="queued", owner="c", lease_until=earlier))
        assert await store.renew("a", ["adopted"], later, now) == set()

        await store.release("b", ["free"])
        assert await store.claim("free", "a", later, now)  # released: free at once

        await store.insert(_row("late", status="awaiting_approval", deadline_at=earlier))
        await store.insert(_row("early", status="awaiting_approval", deadline_at=later))
        assert await store.overdue_approvals(now) == ["late"]


async def test_cursor_pagination_is_stable_and_filtered(db_url: str) -> None:
    async with open_store(db_url) as store:
        base = utcnow()
        for i in range(5):
            # Two rows share a timestamp: the id breaks the tie.
            created = base + timedelta(seconds=i if i != 3 else 2)
            await store.insert(
                _row(f"j{i}", created_at=created, status="failed" if i == 1 else "queued")
            )
        seen, cursor = [], None
        while True:
            page = await store.list("acme", cursor=cursor, limit=2)
            seen += [row.id for row in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == ["j4", "j3", "j2", "j1", "j0"]
        failed = await store.list("acme", status="failed")
        assert [row.id for row in failed.items] == ["j1"]
        assert (await store.list("nobody")).items == []
        with pytest.raises(InputError):
            await store.list("acme", cursor="garbage")


async def test_api_keys_and_revocation(db_url: str) -> None:
    async with open_store(db_url) as store:
        await store.add_api_key("k1", "acme", "hash")
        row = await store.api_key("k1")
        assert row is not None and row.tenant == "acme"
        await store.ping()
        async with store.sessions() as session:
            await session.execute(text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP"))
            await session.commit()
        assert await store.api_key("k1") is None
        assert isinstance(store, JobStore)


async def test_a_job_runs_through_the_api_on_this_store(db_url: str, data_dir: Path) -> None:
    settings = server_settings(data_dir, dev_mode=True, database_url=db_url)
    app = create_app(settings, toolbox=fast_toolbox(settings))
    async with AsyncTestClient(app=app, timeout=120) as client:
        body = promo_body()
        first = await client.post(
            "/api/v1/video/generate-promo-video", json=body, headers={"Idempotency-Key": "k"}
        )
        again = await client.post(
            "/api/v1/video/generate-promo-video", json=body, headers={"Idempotency-Key": "k"}
        )
        assert first.json()["job_id"] == again.json()["job_id"]
        job = await finished(client, first.json()["job_id"], {})
        assert job["status"] == "completed_with_warnings" and job["progress"] == 100


_START = """
import asyncio, sys
from aistudio.graph.checkpoint import postgres_saver
from aistudio.jobs.store import open_store

async def start(url):
    async with open_store(url), postgres_saver(url):
        pass

print("ready", flush=True)
sys.stdin.readline()  # all together now
asyncio.run(start(sys.argv[1]))
"""


async def test_processes_starting_together_on_a_fresh_database_set_it_up_once(
    pg_url: str,
) -> None:
    """An API and its workers start at once on a new database (docker-compose, the
    container test): each migrates the job store and sets up the checkpoint tables, and
    none may fail on another's half-made schema (a worker died on LangGraph's
    `checkpoint_migrations` primary key). Processes: alembic keeps its state in module
    globals, so only processes model this."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _START,
            pg_url,
            cwd=ROOT,
            stdin=PIPE,
            stdout=PIPE,
            stderr=PIPE,
        )
        for _ in range(4)
    ]
    for proc in procs:  # imported, waiting
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 120) == b"ready\n"
    outcomes = await asyncio.gather(*(proc.communicate(b"go\n") for proc in procs))
    for proc, (_out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    async with open_store(pg_url) as store, store.engine.connect() as conn:
        ours = [d for d in await conn.run_sync(_diff) if "checkpoint" not in repr(d)]
        assert not ours  # the job store as its models say (LangGraph's tables aside)
        versions = await conn.execute(text("SELECT v FROM checkpoint_migrations ORDER BY v"))
        assert [v for (v,) in versions] == list(range(len(AsyncPostgresSaver.MIGRATIONS)))
