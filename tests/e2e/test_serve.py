"""`aistudio serve` as a real process: submit over HTTP with the real toolbox, follow SSE,
download the MP4 and measure it; then SIGKILL a server mid-job and let the next one finish."""

from __future__ import annotations

import base64
import collections
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import sample, stored_events
from tests.media_assert import measure

pytestmark = pytest.mark.slow
BRIEF = "AURUM Eau de Parfum, amber and vanilla. Shop now"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(
    aistudio_cmd: list[str], env: dict[str, str], data: Path, port: int
) -> Iterator[subprocess.Popen[str]]:
    log = (data.parent / f"serve-{port}-{time.monotonic_ns()}.log").open("w")
    proc = subprocess.Popen(
        [*aistudio_cmd, "serve", "--dev", "--port", str(port), "--data-dir", str(data)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, Path(log.name).read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("server did not become ready:\n" + Path(log.name).read_text()[-3000:])
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        log.close()


def _submit(base: str) -> str:
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    body = {
        "content": BRIEF,
        "reference_image_b64": photo,
        "reference_image_url": "",
        "voice_over": True,
        "user_id": "",
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
    }
    response = httpx.post(f"{base}/api/v1/video/generate-promo-video", json=body, timeout=60)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def _follow(
    base: str, job_id: str, last_id: int = 0, stop_at: str | None = None
) -> list[dict[str, Any]]:
    """SSE events (parsed) until the stream ends, or until a node named `stop_at` starts."""
    events: list[dict[str, Any]] = []
    headers = {"Last-Event-ID": str(last_id)} if last_id else {}
    with httpx.stream(
        "GET",
        f"{base}/api/v1/jobs/{job_id}/events",
        headers=headers,
        timeout=httpx.Timeout(30, read=600),
    ) as response:
        assert response.status_code == 200
        current: dict[str, str] = {}
        for line in response.iter_lines():
            if line:
                name, _, value = line.partition(":")
                current[name] = value.strip()
                continue
            if "data" in current:
                record = json.loads(current["data"])
                assert int(current["id"]) == record["seq"]
                events.append(record)
                if (
                    stop_at
                    and record.get("event") == "node_started"
                    and record.get("node") == stop_at
                ):
                    return events
            current = {}
    return events


def test_serve_generates_a_video_over_http(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str], ffmpeg_exe: str
) -> None:
    port, data = _free_port(), tmp_path / "data"
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port):
        job_id = _submit(base)
        events = _follow(base, job_id)
        assert events[-1]["event"] == "job_result", events[-3:]
        assert events[-1]["status"] in ("completed", "completed_with_warnings"), events[-1]
        status = httpx.get(f"{base}/api/v1/video/status/{job_id}", timeout=30).json()
        assert status["progress"] == 100 and status["video_url"]
        video = httpx.get(f"{base}/api/v1/video/download/{job_id}", timeout=60)
        assert video.status_code == 200
        signed = httpx.get(status["video_url"], timeout=60)
        assert signed.content == video.content
    path = tmp_path / "video.mp4"
    path.write_bytes(video.content)
    measured = measure(path, ffmpeg_exe)
    assert (measured.width, measured.height) == (1080, 1080)
    assert abs(measured.duration_s - 6.0) < 0.3
    assert measured.video_codec == "h264" and measured.audio_codec == "aac"


def test_sigkilled_server_resumes_the_job_on_restart(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port) as first:
        job_id = _submit(base)
        seen = _follow(base, job_id, stop_at="compose")
        time.sleep(1.0)  # let ffmpeg get going: the kill lands mid-encode
        os.killpg(first.pid, signal.SIGKILL)  # the server and its ffmpeg child
        first.wait(timeout=30)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port):
        rest = _follow(base, job_id, last_id=seen[-1]["seq"])
        assert rest[-1]["event"] == "job_result", rest[-3:]
        assert rest[-1]["status"] in ("completed", "completed_with_warnings")
        assert httpx.get(f"{base}/api/v1/video/download/{job_id}", timeout=60).status_code == 200

    journal = stored_events(data, job_id)
    kinds = collections.Counter(e["event"] for e in journal)
    assert kinds["job_started"] == 1 and kinds["job_resumed"] == 1 and kinds["job_result"] == 1
    done = collections.Counter(e["node"] for e in journal if e["event"] == "node_finished")
    for node in (
        "ingest",
        "moderate_input",
        "concept",
        "render_submit",
        "render_await",
        "compose",
        "publish",
    ):
        assert done[node] == 1, (node, done)
