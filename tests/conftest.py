"""Shared fixtures: sample photos, an isolated data folder, the ffmpeg binary."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import imageio_ffmpeg
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
