"""Shared fixtures: sample photos, an isolated data folder, the ffmpeg binary."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


# A developer's provider keys would switch the toolbox to real, paid providers.
PROVIDER_ENV = (
    "OPENAI_",
    "FAL_",
    "REPLICATE_",
    "SUPABASE_",
    "SERVICE_TYPE",
    "AISTUDIO_",
    "LANGSMITH_",
    "LANGCHAIN_",
    "POLL_",
)


@pytest.fixture(autouse=True)
def _no_real_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings() built in a test never picks up a developer's keys or endpoints: with
    one, the toolbox would choose hosted providers and call the real (paid) APIs."""
    for name in [k for k in os.environ if k.startswith(PROVIDER_ENV)]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    """Environment for CLI subprocesses: no stray AISTUDIO_ settings from the developer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PROVIDER_ENV)}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def aistudio_cmd() -> list[str]:
    return [sys.executable, "-m", "aistudio"]


def sample(name: str) -> Path:
    path = EXAMPLES / name
    assert path.exists(), f"sample {path} is missing (run examples/make_samples.py)"
    return path


def stored_events(database: str | Path, job_id: str) -> list[dict[str, Any]]:
    """A job's events as stored in the job store's events table, in order: `database` is a
    data folder (its SQLite job store) or a job store URL (SQLite or PostgreSQL)."""
    query = "SELECT seq, ts, data FROM job_events WHERE job_id = %s ORDER BY seq"
    url = str(database)
    if isinstance(database, Path) or url.startswith("sqlite"):
        path = database / "jobs.sqlite" if isinstance(database, Path) else url.split("///")[1]
        with contextlib.closing(sqlite3.connect(path)) as conn:
            rows = conn.execute(query.replace("%s", "?"), (job_id,)).fetchall()
        return [{**json.loads(data), "seq": seq, "ts": ts} for seq, ts, data in rows]
    _scheme, _, rest = url.partition("://")
    with psycopg.connect(f"postgresql://{rest}") as conn:
        rows = conn.execute(query, (job_id,)).fetchall()
    return [{**data, "seq": seq, "ts": ts} for seq, ts, data in rows]
