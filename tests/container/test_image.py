"""The container image, built from the Dockerfile with podman and run against this machine's
PostgreSQL (`--network=host`) as an API container and a queue worker container: a job
submitted over HTTP completes, every process runs as the image's non-root user, the image's
HEALTHCHECK passes, and the worker stops cleanly on SIGTERM.

Podman comes from the project's own files: `scripts/podman-setup` installs it when missing,
writes its configuration and keeps its images under AISTUDIO_TEST_CACHE (default
~/.cache/aistudio-test; never the repository, never the system's podman storage), and makes
the Debian base image with debootstrap, cached there, since no registry is reachable here.
The test skips only where that script says podman cannot run on this machine at all.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import ROOT, sample
from tests.media_assert import measure
from tests.server.conftest import BRIEF, PG_ADMIN, TERMINAL, _ensure_postgres

pytestmark = pytest.mark.slow
CACHE = Path(os.environ.get("AISTUDIO_TEST_CACHE", Path.home() / ".cache" / "aistudio-test"))
BASE_IMAGE = "localhost/aistudio-base:bookworm"  # made by scripts/podman-setup
IMAGE = "localhost/aistudio:test"
CANNOT_RUN = 77  # scripts/podman-setup's "podman cannot run here" status
IMAGE_USER = "aistudio"


@dataclass
class Podman:
    env: dict[str, str]
    started: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        done = subprocess.run(
            ["podman", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(f"podman {' '.join(args[:3])} failed ({done.returncode}):\n{done.stderr}")
        return done.stdout.strip()

    def run(self, *args: str) -> str:
        cid = self("run", "-d", "--network=host", *args)
        self.started.append(cid)
        return cid

    def volume(self) -> str:
        name = self("volume", "create", f"aistudio-test-{secrets.token_hex(6)}")
        self.volumes.append(name)
        return name

    def logs(self, cid: str) -> str:
        done = subprocess.run(
            ["podman", "logs", cid], env=self.env, capture_output=True, text=True, check=False
        )
        return (done.stdout + done.stderr)[-4000:]  # the processes log to stderr


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    root = CACHE / "podman"
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one run at a time on this storage
        setup = subprocess.run(
            [str(ROOT / "scripts" / "podman-setup"), str(root)],
            env={**os.environ, "AISTUDIO_TEST_CACHE": str(CACHE)},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if setup.returncode == CANNOT_RUN:
            pytest.skip(setup.stderr.strip().splitlines()[-1])
        assert setup.returncode == 0, setup.stderr[-4000:]
        env = {
            **os.environ,
            "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        }
        tool = Podman(env)
        try:
            yield tool
        finally:
            for cid in tool.started:  # ours only, by id
                tool("rm", "--force", "--volumes", "--time", "1", cid, check=False)
            for name in tool.volumes:
                tool("volume", "rm", "--force", name, check=False)


@pytest.fixture(scope="module")
def image(podman: Podman) -> str:
    podman(
        "build",
        "--format=docker",  # keeps HEALTHCHECK
        "--network=host",
        f"--build-arg=BASE_IMAGE={BASE_IMAGE}",
        f"--tag={IMAGE}",
        str(ROOT),
        timeout=3600,
    )
    podman("image", "prune", "--force")  # the previous build's layers, now untagged
    return IMAGE


@pytest.fixture
def database() -> Iterator[str]:
    name = f"aistudio_image_{secrets.token_hex(6)}"

    async def admin(statement: str) -> None:
        await _ensure_postgres()
        engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _users(podman: Podman, cid: str) -> set[tuple[str, str]]:
    """(user, command) of every process in the container, as the host's kernel sees it."""
    rows = podman("top", cid, "user", "args", check=False).splitlines()[1:]
    return {(row.split(None, 1)[0], row.split(None, 1)[-1][:60]) for row in rows if row.strip()}


def _state(podman: Podman, cid: str) -> str:
    return podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", cid)


def _wait_ready(podman: Podman, api: str, base: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/ready", timeout=3).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "api never became ready:\n" + podman.logs(api)
        time.sleep(0.5)


def _submit(base: str, headers: dict[str, str]) -> str:
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    body = {
        "content": BRIEF,
        "reference_image_b64": photo,
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
    }
    submitted = httpx.post(
        f"{base}/api/v1/video/generate-promo-video", json=body, headers=headers, timeout=60
    )
    assert submitted.status_code == 202, submitted.text
    job_id: str = submitted.json()["job_id"]
    return job_id


def test_a_job_completes_through_api_and_worker_containers_as_non_root(
    podman: Podman, image: str, database: str, tmp_path: Path, ffmpeg_exe: str
) -> None:
    """The scale-out topology in one boot: `serve` (the image's default command) enqueues
    on this machine's PostgreSQL, a `worker` container renders; both share the data
    volume, as docker-compose.yml has them. The worker stops cleanly on SIGTERM."""
    port = _free_port()
    env = {
        "AISTUDIO_SERVER__DATABASE_URL": database,
        "AISTUDIO_SERVER__HOST": "127.0.0.1",  # host network: loopback only
        "AISTUDIO_SERVER__PORT": str(port),
        "AISTUDIO_QUEUE__URL": database,  # the job store's URL serves the queue as it is
        "AISTUDIO_QUEUE__SHUTDOWN_GRACE_S": "5",
    }
    env_args = [f"--env={name}={value}" for name, value in env.items()]
    # Another command of the same image: the key is made in the database the API reads.
    created = podman("run", "--rm", "--network=host", *env_args, image, "api-key", "create",
                     "--tenant", "acme")  # fmt: skip
    key = created.splitlines()[-1].strip()
    assert key.startswith("ais_"), created

    volume = podman.volume()
    shared = [*env_args, f"--volume={volume}:/data"]
    api = podman.run(*shared, image)  # CMD: serve
    worker = podman.run(*shared, "--no-healthcheck", image, "worker")
    base = f"http://127.0.0.1:{port}"
    _wait_ready(podman, api, base)
    podman("healthcheck", "run", api)  # the image's HEALTHCHECK; fails the test if unhealthy
    headers = {"Authorization": f"Bearer {key}"}
    job_id = _submit(base, headers)

    seen: dict[str, set[tuple[str, str]]] = {api: set(), worker: set()}
    job: dict[str, Any] = {}
    deadline = time.monotonic() + 900
    while job.get("status") not in TERMINAL:
        assert time.monotonic() < deadline, f"job stuck at {job}:\n" + podman.logs(worker)
        for cid in seen:
            seen[cid] |= _users(podman, cid)  # catches the FFmpeg children while they run
        job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
        time.sleep(1)
    assert job["status"] in ("completed", "completed_with_warnings"), (job, podman.logs(worker))
    # The worker rendered it (its FFmpeg children were seen), the API did not.
    assert any("ffmpeg" in command for _, command in seen[worker]), seen
    assert not any("ffmpeg" in command for _, command in seen[api]), seen
    assert {user for users in seen.values() for user, _ in users} == {IMAGE_USER}, seen

    video = httpx.get(f"{base}/api/v1/video/download/{job_id}", headers=headers, timeout=60)
    assert video.status_code == 200, video.text
    path = tmp_path / "video.mp4"
    path.write_bytes(video.content)
    measured = measure(path, ffmpeg_exe)
    assert (measured.width, measured.height) == (1080, 1080)
    assert abs(measured.duration_s - 6.0) < 0.3
    podman("healthcheck", "run", api)

    # `podman stop`: SIGTERM to the worker (PID 1), which ends by itself, well before the
    # SIGKILL that would follow after --time.
    stopping = time.monotonic()
    podman("stop", "--time=60", worker, timeout=90)
    assert time.monotonic() - stopping < 30, podman.logs(worker)
    assert _state(podman, worker) == "exited 0", podman.logs(worker)
