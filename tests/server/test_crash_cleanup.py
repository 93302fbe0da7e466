"""A server killed mid-compose (SIGKILL: nothing of ours runs) leaves nothing behind: its
FFmpeg child dies with it, and the next server on the data folder removes its scratch
folder, while the folder of a run still alive in another server sharing the data folder
is kept."""

from __future__ import annotations

import base64
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, sample
from tests.server.conftest import BRIEF
from tests.server.slow_compose_server import MARKER

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(data: Path, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    log = data.parent / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.server.slow_compose_server", str(data), str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "server not up:\n" + log.read_text()[-3000:]
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children_running(parent: int, marker: str) -> list[int]:
    """Live (not zombie) processes whose parent is `parent` and whose argv has `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[1]) == parent and marker in argv:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _scratch(data: Path) -> set[Path]:
    tmp = data / "storage" / "tmp"
    return {p for p in tmp.iterdir() if p.is_dir()} if tmp.exists() else set()


def test_killed_server_leaves_no_ffmpeg_and_its_scratch_is_swept(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {**cli_env, "PYTHONPATH": str(ROOT)}
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    body = {"content": BRIEF, "reference_image_b64": photo, "duration_s": 6}
    with server(data, env) as (first, base):
        response = httpx.post(f"{base}/api/v1/video/generate-promo-video", json=body, timeout=60)
        assert response.status_code == 202, response.text
        _wait(lambda: _children_running(first.pid, MARKER), 120, "compose never started ffmpeg")
        (ffmpeg,) = _children_running(first.pid, MARKER)
        (killed_scratch,) = _scratch(data)

        # A second server on the same data folder starts while the first is mid-compose:
        # the first one's scratch folder is in use, so its start-up sweep keeps it.
        with server(data, env):
            assert killed_scratch.is_dir()

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        _wait(lambda: not _alive(ffmpeg), 5, f"ffmpeg {ffmpeg} outlived its server")
        # The encode would have run on for a minute; the kernel killed it at once.
        assert time.monotonic() - killed_at < 5
        assert killed_scratch.is_dir()  # nothing of the killed server ran to remove it

    with server(data, env):
        assert not killed_scratch.exists()  # swept at start-up
