"""The official `langgraph-sdk` client against `aistudio serve` (a real process): threads,
runs (wait, stream in every mode, background, cancel), state and history, tenancy, a
restart; then the whole product flow: talk a brief into shape, preview, render, download."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError

from tests.conftest import sample
from tests.e2e.test_serve import _free_port, serving
from tests.media_assert import measure

pytestmark = pytest.mark.slow


def _api_key(aistudio_cmd: list[str], env: dict[str, str], data: Path, tenant: str) -> str:
    done = subprocess.run(
        [*aistudio_cmd, "api-key", "create", "--tenant", tenant, "--data-dir", str(data)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def _client(base: str, key: str | None) -> LangGraphClient:
    return get_client(url=f"{base}/api/v1/agent", api_key=key)


def _photo_message(text: str) -> dict[str, Any]:
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
        ],
    }


def _photo_input(text: str) -> Any:
    return {"messages": [_photo_message(text)]}


def _say(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def test_agent_protocol_with_the_sdk(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    key = _api_key(aistudio_cmd, cli_env, data, "acme")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port):
        acme, other = _client(base, key), _client(base, None)  # `other`: dev-mode tenant
        (assistant,) = await acme.assistants.search(graph_id="brief")
        assert (await acme.assistants.get("brief"))["assistant_id"] == assistant["assistant_id"]

        thread: Any = await acme.threads.create(metadata={"shop": "aurum"})
        tid = thread["thread_id"]
        assert thread["status"] == "idle" and thread["metadata"]["shop"] == "aurum"
        assert (await acme.threads.create(thread_id=tid, if_exists="do_nothing"))[
            "thread_id"
        ] == tid

        values: Any = await acme.runs.wait(
            tid, "brief", input=_photo_input("It's called AURUM Eau de Parfum")
        )
        assert values["brief"]["product_name"] == "AURUM Eau de Parfum"
        assert values["brief"]["reference"]["kind"] == "reference"

        events: dict[str, int] = {}
        tokens: list[str] = []
        async for part in acme.runs.stream(
            tid,
            "brief",
            input=_say("make it 6 seconds, square, and show me the storyboard"),
            stream_mode=["values", "updates", "messages-tuple", "custom"],
        ):
            events[part.event] = events.get(part.event, 0) + 1
            if part.event == "messages" and part.data[0]["type"] == "AIMessageChunk":
                tokens.append(part.data[0]["content"])
        assert {"metadata", "values", "updates", "messages", "custom"} <= set(events)
        assert len([t for t in tokens if t]) > 3  # the reply streamed in pieces

        state: Any = await acme.threads.get_state(tid)
        assert state["values"]["brief"]["duration_s"] == 6.0
        assert state["values"]["brief"]["aspect_ratios"] == ["1:1"]
        board = state["values"]["preview"]["storyboard_url"]
        png = await asyncio.to_thread(httpx.get, board, timeout=30)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert state["next"] == [] and state["checkpoint"]["thread_id"] == tid
        history: Any = await acme.threads.get_history(tid, limit=5)
        assert len(history) == 5
        assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]

        run = await acme.runs.create(tid, "brief", input=_say("show me the storyboard"))
        await acme.runs.cancel(tid, run["run_id"], wait=True)
        assert (await acme.runs.get(tid, run["run_id"]))["status"] == "interrupted"
        assert (await acme.threads.get(tid))["status"] == "idle"

        with pytest.raises(NotFoundError):
            await other.threads.get(tid)
        with pytest.raises(httpx.HTTPStatusError) as refused:  # runs.wait raises httpx's own
            await other.runs.wait(tid, "brief", input=_say("render it"))
        assert refused.value.response.status_code == 404
        assert [t["thread_id"] for t in await other.threads.search()] == []
        kept = state["values"]["brief"]

    port = _free_port()
    with serving(aistudio_cmd, cli_env, data, port):
        acme = _client(f"http://127.0.0.1:{port}", key)
        again: Any = await acme.threads.get_state(tid)
        assert again["values"]["brief"] == kept
        assert [t["thread_id"] for t in await acme.threads.search()] == [tid]


async def _wait_for_job(base: str, key: str, job_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}) as http:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = (await http.get(f"/api/v1/video/status/{job_id}", timeout=30)).json()
            if status["status"] in ("completed", "completed_with_warnings", "failed"):
                return dict(status)
            await asyncio.sleep(1.0)
    pytest.fail(f"job {job_id} did not finish")


async def test_talk_preview_render_download(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str], ffmpeg_exe: str
) -> None:
    """The issue's Done-when: five plain-language turns, the storyboard, render, MP4."""
    data = tmp_path / "data"
    key = _api_key(aistudio_cmd, cli_env, data, "acme")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port):
        client = _client(base, key)
        tid = (await client.threads.create())["thread_id"]
        turns: list[Any] = [
            _photo_input("It's called AURUM Eau de Parfum"),
            _say("it has amber and vanilla notes, aimed at busy professionals"),
            _say("make it 6 seconds, square for Instagram"),
            _say("warmer, add a voice-over that mentions free shipping"),
            _say("call to action: Shop now at aurum.example, no people"),
        ]
        values: Any = {}
        for body in turns:
            values = await client.runs.wait(tid, "brief", input=body)
            assert "__error__" not in values
        brief = values["brief"]
        assert brief["duration_s"] == 6.0 and brief["aspect_ratios"] == ["1:1"]
        assert brief["voice_over"] and brief["script_notes"] == ["free shipping"]
        assert brief["call_to_action"] == "Shop now at aurum.example"
        assert brief["must_avoid"] == ["people"] and brief["vibe"] == "warm"

        values = await client.runs.wait(tid, "brief", input=_say("show me the storyboard"))
        assert values["preview"]["storyboard_url"]
        values = await client.runs.wait(tid, "brief", input=_say("render it"))
        (job_id,) = values["jobs"]
        assert job_id in values["messages"][-1]["content"]

        status = await _wait_for_job(base, key, job_id)
        assert status["status"] in ("completed", "completed_with_warnings"), status
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}) as http:
            listed = (await http.get(f"/api/v1/agent/threads/{tid}/jobs")).json()
            assert [job["id"] for job in listed] == [job_id]
            video = await http.get(f"/api/v1/video/download/{job_id}", timeout=60)
            assert video.status_code == 200
            # The product route renders the thread's brief too.
            again = await http.post(f"/api/v1/agent/threads/{tid}/render")
            assert again.status_code == 202 and again.json()["job_id"] != job_id
        values = await client.runs.wait(tid, "brief", input=_say("is it done?"))
        assert "is completed" in values["messages"][-1]["content"] or "is running" in str(
            values["messages"][-1]["content"]
        )
    path = tmp_path / "video.mp4"
    path.write_bytes(video.content)
    measured = measure(path, ffmpeg_exe)
    assert (measured.width, measured.height) == (1080, 1080)
    assert abs(measured.duration_s - 6.0) < 0.3
