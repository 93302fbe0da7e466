"""Server test fixtures: an app on a fresh data folder with the fast toolbox, API keys."""

from __future__ import annotations

import asyncio
import base64
import secrets
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from aistudio.server.app import create_app
from aistudio.server.auth import generate_api_key
from aistudio.settings import ServerSettings, Settings
from tests.conftest import sample
from tests.server.fakes import fast_toolbox

Client = AsyncTestClient[Litestar]
BRIEF = "AURUM Eau de Parfum, amber and vanilla. Shop now"
TERMINAL = {"completed", "completed_with_warnings", "failed", "cancelled"}


def photo_b64() -> str:
    return base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()


def promo_body(**extra: Any) -> dict[str, Any]:
    """The original AI Studio body (+ options that keep the fast render fast)."""
    return {
        "content": BRIEF,
        "reference_image_b64": photo_b64(),
        "voice_over": False,
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
        **extra,
    }


def server_settings(data_dir: Path, **server: Any) -> Settings:
    # No QA retries: the tiny test videos fail output QA and go straight to publish.
    options: dict[str, Any] = {
        "signing_secret": "test-secret",
        "rate_per_s": 1000.0,
        "burst": 1000,
        **server,
    }
    return Settings(data_dir=data_dir, max_qa_retries=0, server=ServerSettings(**options))


AppFactory = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def open_app(data_dir: Path) -> AppFactory:
    @asynccontextmanager
    async def factory(
        compose_delay_s: float = 0.0, compose_crash: bool = False, **server: Any
    ) -> AsyncIterator[Client]:
        settings = server_settings(data_dir, **server)
        tools = fast_toolbox(settings, compose_delay_s=compose_delay_s, compose_crash=compose_crash)
        app = create_app(settings, toolbox=tools)
        async with AsyncTestClient(app=app, timeout=120) as client:
            yield client

    return factory


async def new_key(client: Client, tenant: str) -> dict[str, str]:
    """Headers carrying a fresh API key of `tenant`."""
    key = generate_api_key()
    await client.app.state.store.add_api_key(key.key_id, tenant, key.hash)
    return {"Authorization": f"Bearer {key.plaintext}"}


async def wait_for(
    client: Client,
    job_id: str,
    headers: dict[str, str],
    until: Callable[[dict[str, Any]], bool],
    timeout_s: float = 120,
) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            response = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if until(job):
                return job
            await asyncio.sleep(0.2)


async def finished(client: Client, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return await wait_for(client, job_id, headers, lambda job: job["status"] in TERMINAL)


def sse_events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            fields[name] = value.lstrip(" ")
        if fields:
            events.append(fields)
    return events


# -- PostgreSQL (started if it is down; skipped loudly only if it cannot be) ----------
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _pg_up() -> bool:
    engine = create_async_engine(PG_ADMIN)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, OperationalError):
        return False
    finally:
        await engine.dispose()
    return True


def _start_clusters() -> None:
    for version in (p.name for p in Path("/etc/postgresql").glob("*")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
            timeout=60,
        )


async def _ensure_postgres() -> None:
    if await _pg_up():
        return
    await asyncio.to_thread(_start_clusters)
    await asyncio.sleep(2)
    if not await _pg_up():
        pytest.skip(
            "PostgreSQL at 127.0.0.1:5432 is down and could not be started "
            "(the store's Postgres path is NOT tested)"
        )


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/jobs.sqlite"
        return
    async with postgres_database() as url:
        yield url


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh database on this machine's PostgreSQL, dropped afterwards."""
    await _ensure_postgres()
    name = f"aistudio_test_{secrets.token_hex(6)}"
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url
