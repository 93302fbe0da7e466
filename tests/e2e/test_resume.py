"""Kill the CLI with SIGKILL mid-render, run the same job id again: it resumes and finishes
without redoing the nodes that had finished."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import sample, stored_events

pytestmark = pytest.mark.slow


def _journal(data: Path, job: str) -> list[dict[str, object]]:
    return stored_events(data, job)


def test_sigkill_during_compose_then_resume(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    data, job = tmp_path / "data", "resume-me"
    cmd = [
        *aistudio_cmd,
        "generate",
        "promo",
        "--image",
        str(sample("aurum-perfume.png")),
        "--brief",
        "AURUM Eau de Parfum, amber and vanilla. Shop now",
        "--voice-over",
        "--data-dir",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--job-id",
        job,
    ]
    first = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli_env,
        start_new_session=True,
    )
    assert first.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 300
    for line in first.stdout:
        seen.append(line)
        if "node_started compose" in line:
            time.sleep(1.0)  # let ffmpeg get going: the kill lands mid-encode
            break
        assert time.monotonic() < deadline, "".join(seen)
    else:
        pytest.fail("the job ended before compose started:\n" + "".join(seen))
    os.killpg(first.pid, signal.SIGKILL)  # the whole group: CLI and its ffmpeg child
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    before = _journal(data, job)
    assert not any(e["event"] == "job_finished" for e in before)

    second = subprocess.run(
        cmd, capture_output=True, text=True, env=cli_env, timeout=600, check=False
    )
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert (tmp_path / "out" / "video_9x16.mp4").stat().st_size > 100_000

    events = _journal(data, job)
    assert [e["event"] for e in events].count("job_resumed") == 1
    finished = collections.Counter(e["node"] for e in events if e["event"] == "node_finished")
    # Every node that had finished before the kill ran exactly once in total.
    for node in (
        "ingest",
        "moderate_input",
        "concept",
        "visual",
        "audio",
        "assembly",
        "qa_plan",
        "render_submit",
        "render_await",
    ):
        assert finished[node] == 1, (node, finished)
    assert finished["compose"] == 1 and finished["publish"] == 1
    started_after = [e["node"] for e in events[len(before) :] if e["event"] == "node_started"]
    assert started_after[0] == "compose", started_after

    # Running the finished job id again shows the result; nothing runs.
    third = subprocess.run(
        cmd, capture_output=True, text=True, env=cli_env, timeout=120, check=False
    )
    assert third.returncode == 0
    assert "already finished" in third.stdout
    assert len(_journal(data, job)) == len(events)
