"""Retention on SQLite and PostgreSQL: a finished job keeps two checkpoints (its last, and
the plan QA passed, where render_submit ran from); DELETE and `aistudio prune` remove a
job's row, events, checkpoints and the stored objects no other job refers to."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from tests.conftest import stored_events
from tests.server.conftest import AppFactory, Client, finished, promo_body, wait_for

PROMO = "/api/v1/video/generate-promo-video"
NO_KEY: dict[str, str] = {}


def _query(db_url: str, data_dir: Path, sql: str, *params: Any, checkpoints: bool = False) -> Any:
    """Rows of `sql` in the job store (or, with `checkpoints`, the checkpoint store)."""
    if db_url.startswith("sqlite"):
        path = data_dir / "checkpoints.sqlite" if checkpoints else Path(db_url.split("///")[1])
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect("postgresql://" + db_url.split("://", 1)[1]) as conn:
        return conn.execute(sql, params).fetchall()


def _keys(db_url: str, data_dir: Path, job_id: str) -> set[str]:
    rows = _query(db_url, data_dir, "SELECT key FROM job_assets WHERE job_id = %s", job_id)
    return {row[0] for row in rows}


def _checkpoints(db_url: str, data_dir: Path, job_id: str) -> list[str]:
    sql = "SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s ORDER BY checkpoint_id"
    return [row[0] for row in _query(db_url, data_dir, sql, job_id, checkpoints=True)]


async def _two_jobs(client: Client) -> tuple[str, str]:
    """Two jobs of one photo with different briefs: they share the photo (and what ingest
    made of it), not their plans or videos."""
    ids = []
    for variant in ("amber and vanilla", "cedar and smoke"):
        body = promo_body(content=f"AURUM Eau de Parfum, {variant}. Shop now")
        ids.append((await client.post(PROMO, json=body)).json()["job_id"])
    for job_id in ids:
        assert (await finished(client, job_id, NO_KEY))["status"] == "completed_with_warnings"
    return ids[0], ids[1]


async def test_finished_jobs_keep_the_checkpoints_a_revise_needs(
    open_app: AppFactory, data_dir: Path, db_url: str
) -> None:
    async with open_app(database_url=db_url, dev_mode=True) as client:
        job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        await finished(client, job_id, NO_KEY)
        kept = _checkpoints(db_url, data_dir, job_id)
        assert len(kept) == 2
        graph = await client.app.state.service.execution.runner.graph()
        states = [
            await graph.aget_state({"configurable": {"thread_id": job_id, "checkpoint_id": c}})
            for c in kept
        ]
        assert states[0].next == ("render_submit",)  # the plan QA passed: revise from here
        assert states[0].values["plan_qa"].passed is not None
        assert states[1].next == () and states[1].values["status"] == "completed_with_warnings"


async def test_delete_removes_the_job_and_the_objects_only_it_used(
    open_app: AppFactory, data_dir: Path, db_url: str
) -> None:
    storage = data_dir / "storage"
    async with open_app(database_url=db_url, dev_mode=True, compose_delay_s=30) as client:
        running = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        await wait_for(client, running, NO_KEY, lambda job: job["stage"] == "compose")
        refused = await client.delete(f"/api/v1/jobs/{running}")
        assert refused.status_code == 409, refused.text
        assert "cancel" in refused.json()["detail"]
        await client.post(f"/api/v1/jobs/{running}/cancel")
    async with open_app(database_url=db_url, dev_mode=True) as client:
        first, second = await _two_jobs(client)
        mine, theirs = _keys(db_url, data_dir, first), _keys(db_url, data_dir, second)
        shared, own = mine & theirs, mine - theirs - _keys(db_url, data_dir, running)
        assert shared and own and len(mine) > 10
        assert all((storage / key).exists() for key in mine)

        response = await client.delete(f"/api/v1/jobs/{first}")
        assert response.status_code == 204, response.text
        assert (await client.get(f"/api/v1/jobs/{first}")).status_code == 404
        assert (await client.delete(f"/api/v1/jobs/{first}")).status_code == 404
        assert stored_events(db_url, first) == []
        assert _keys(db_url, data_dir, first) == set()
        assert _checkpoints(db_url, data_dir, first) == []
        assert not any((storage / key).exists() for key in own)
        assert all((storage / key).exists() for key in shared)  # the other job's too
        download = await client.get(f"/api/v1/video/download/{second}")
        assert download.status_code == 200 and len(download.content) > 1000


def test_prune_deletes_old_finished_jobs_and_then_what_they_shared(
    data_dir: Path, db_url: str, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    import asyncio

    from tests.server.conftest import server_settings
    from tests.server.fakes import fast_toolbox

    async def make() -> tuple[str, str]:
        from litestar.testing import AsyncTestClient

        from aistudio.server.app import create_app

        settings = server_settings(data_dir, database_url=db_url, dev_mode=True)
        app = create_app(settings, toolbox=fast_toolbox(settings))
        async with AsyncTestClient(app=app, timeout=120) as client:
            return await _two_jobs(client)

    first, second = asyncio.run(make())
    keys = _keys(db_url, data_dir, first) | _keys(db_url, data_dir, second)
    env = {**cli_env, "AISTUDIO_SERVER__DATABASE_URL": db_url}
    cmd = [*aistudio_cmd, "prune", "--data-dir", str(data_dir)]

    def prune(age: str) -> subprocess.CompletedProcess[str]:
        argv = [*cmd, "--older-than", age]
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)

    kept = prune("1d")
    assert kept.returncode == 0, kept.stderr
    assert "pruned 0 jobs" in kept.stdout
    gone = prune("0s")
    assert gone.returncode == 0, gone.stderr
    assert "pruned 2 jobs" in gone.stdout
    for job_id in (first, second):
        assert stored_events(db_url, job_id) == []
        assert _checkpoints(db_url, data_dir, job_id) == []
    assert not any((data_dir / "storage" / key).exists() for key in keys)
    bad = prune("soon")
    assert bad.returncode == 2 and "30d" in bad.stderr
