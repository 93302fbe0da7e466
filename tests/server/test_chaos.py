"""Chaos on the real PostgreSQL: an API process and three SAQ worker processes on loopback,
the fal fake answering 30 % of calls with faults, 50 small jobs, and SIGKILLs: ten of
workers and two of the API, each restarted. Every job completes; fal accepted exactly one
submission per shot; no node a later node followed ran again; nothing is left behind
(no FFmpeg, no scratch folder); SSE clients that reconnect as clients do saw every event
of every job, the terminal one included.

The render is not what this tests: tools are replayed from disk (tests/server/procs.py)
except the provider calls (the real fal-client against the fake) and a tiny real encode.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import stored_events
from tests.fakes.asgi import FaultPlan, serving
from tests.fakes.fal import FakeFal, FalJob
from tests.fakes.media import clip_from_frame, requested_seconds
from tests.server.cluster import Cluster, queue_env
from tests.server.conftest import promo_body

pytestmark = pytest.mark.slow
JOBS, WORKERS, WORKER_KILLS, API_KILLS = 50, 3, 10, 2
PROMO = "/api/v1/video/generate-promo-video"
DONE = {"completed", "completed_with_warnings"}
FINAL = {*DONE, "failed", "cancelled"}


class CachingFal(FakeFal):
    """The fal fake, rendering one clip per duration, from the first frame it was sent:
    the compose here is a tiny test-pattern encode that ignores the shots, so the fake's
    encodes (seconds each at 1280 px) would only be load."""

    clips: dict[float, asyncio.Task[bytes]]

    async def _render(self, job: FalJob) -> bytes:
        seconds = requested_seconds(job.payload.get("duration", job.payload.get("seconds")))
        if seconds not in self.clips:
            frame_url = next(v for v in job.payload.values() if "/media/" in str(v))
            frame = self.files[str(frame_url).rsplit("/media/", 1)[1]]
            self.clips[seconds] = asyncio.create_task(clip_from_frame(frame, seconds))
        return await asyncio.shield(self.clips[seconds])


class Watcher:
    """An SSE client of one job that reconnects (with Last-Event-ID) whenever the API goes
    away, as EventSource does, until the job's terminal event."""

    def __init__(self, base: str, job_id: str) -> None:
        self.base, self.job_id = base, job_id
        self.ids: list[int] = []
        self.result: dict[str, Any] | None = None
        self.reconnects = 0

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=httpx.Timeout(60, read=90)) as c:
            while self.result is None:
                headers = {"Last-Event-ID": str(self.ids[-1])} if self.ids else {}
                try:
                    path = f"/api/v1/jobs/{self.job_id}/events"
                    async with c.stream("GET", path, headers=headers) as response:
                        await self._read(response)
                except httpx.TransportError:
                    pass
                if self.result is None:
                    self.reconnects += 1
                    await asyncio.sleep(0.3)

    async def _read(self, response: httpx.Response) -> None:
        event: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                event[name] = value.lstrip(" ")
                continue
            if "id" in event:
                self.ids.append(int(event["id"]))
                if event.get("event") == "job_result":
                    self.result = json.loads(event["data"])
            event = {}


def _our_ffmpegs(data: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "ffmpeg" in cmd and str(data) in cmd:
                found.append(cmd)
    return found


def _node_ran_again(events: list[dict[str, Any]]) -> list[str]:
    """Nodes started again after a later node had started (with durability "sync" a node's
    checkpoint is written before the next node starts: a node followed is finished)."""
    followed: set[str] = set()
    last_finished: str | None = None
    again = []
    for event in events:
        node = event.get("node")
        if event["event"] == "node_finished":
            last_finished = node
        elif event["event"] == "node_started":
            if node in followed:
                again.append(str(node))
            if last_finished is not None and last_finished != node:
                followed.add(last_finished)
    return again


def _runs_start_before_their_nodes(events: list[dict[str, Any]]) -> bool:
    """Queued once, first; ended once, last; and a run's start before any node's event.
    (A SIGKILLed run's unwritten batch can take its job_started with it: the next run
    then starts with job_resumed, or job_started again if no checkpoint was written.)"""
    kinds = [e["event"] for e in events]
    nodes = [i for i, kind in enumerate(kinds) if kind.startswith("node_")]
    starts = [i for i, kind in enumerate(kinds) if kind in ("job_started", "job_resumed")]
    return (
        kinds.count("job_queued") == kinds.count("job_result") == 1
        and kinds[0] == "job_queued"
        and kinds[-1] == "job_result"
        and bool(starts)
        and bool(nodes)
        and starts[0] < nodes[0]
    )


async def _chaos(cluster: Cluster, rng: random.Random) -> list[str]:
    kills: list[str] = []
    api_kills_at = set(rng.sample(range(1, WORKER_KILLS), API_KILLS))
    for n in range(WORKER_KILLS):
        await asyncio.sleep(rng.uniform(0.8, 2.0))
        victim = f"w{rng.randrange(WORKERS)}"
        cluster.kill(victim)
        cluster.start_worker(victim)
        kills.append(victim)
        if n in api_kills_at:
            cluster.kill("api")
            kills.append("api")
            await cluster.start_api("api")
    return kills


async def test_fifty_jobs_survive_sigkills_of_workers_and_the_api(
    tmp_path: Path, pg_url: str
) -> None:
    started = time.monotonic()
    data = tmp_path / "data"
    rng = random.Random(2026)
    # A hang answers 504 after 1 s; the client's timeout is well above what the (busy)
    # fake takes otherwise: a submit that timed out might have been accepted, and the
    # client would rightly fail over to another model (a second, paid, submission).
    fal = CachingFal(faults=FaultPlan(rate=0.3, spare=frozenset({"token"}), hang_s=1.0, seed=5))
    fal.clips = {}
    async with serving(fal):
        env = queue_env(
            data,
            pg_url,
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="fal-chaos-key",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fal.base_url,
            AISTUDIO_PROVIDERS__POLL_INITIAL_S="0.05",
            AISTUDIO_PROVIDERS__POLL_MAX_S="0.3",
            AISTUDIO_PROVIDERS__BACKOFF_S="0.02",
            AISTUDIO_PROVIDERS__REQUEST_TIMEOUT_S="15",
            AISTUDIO_PROVIDERS__CALL_ATTEMPTS="12",
            AISTUDIO_QUEUE__CONCURRENCY="3",
            AISTUDIO_QUEUE__ATTEMPTS="25",
        )
        cluster = Cluster(env, tools="hosted", logs=tmp_path)
        try:
            base = await cluster.start_api("api")
            for n in range(WORKERS):
                cluster.start_worker(f"w{n}")
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                ids = []
                for n in range(JOBS):
                    body = promo_body(content=f"AURUM Eau de Parfum no. {n}, amber. Shop now")
                    ids.append((await client.post(PROMO, json=body)).json()["job_id"])
            watchers = [Watcher(base, job_id) for job_id in ids]
            watching = [asyncio.create_task(w.run()) for w in watchers]
            kills = await _chaos(cluster, rng)
            await asyncio.wait_for(asyncio.gather(*watching), 240)
            async with httpx.AsyncClient(base_url=cluster.url("api"), timeout=60) as client:
                rows = [(await client.get(f"/api/v1/jobs/{job_id}")).json() for job_id in ids]
                statuses = collections.Counter(row["status"] for row in rows)
                errors = [row["error_message"] for row in rows if row["status"] not in DONE]
                assert set(statuses) <= DONE, (statuses, errors)
                provenance = [await _provenance(client, job_id) for job_id in ids]
        finally:
            cluster.stop_all()
        await fal.shutdown()

    assert collections.Counter(kills)["api"] == API_KILLS
    assert len(kills) - API_KILLS == WORKER_KILLS

    # fal accepted exactly one submission per shot of every job (no remakes: QA retries
    # are off), and every accepted one belongs to exactly one job's shot.
    used = [j["request_id"] for doc in provenance for j in doc["submissions"]]
    shots = sum(len(doc["prompts"]) for doc in provenance)
    assert len(used) == len(set(used)) == shots
    assert sorted(used) == sorted(fal.jobs), "fal accepted submissions no job used"
    assert fal.faults_injected  # the run went through injected faults

    for watcher, job_id in zip(watchers, ids, strict=True):
        events = stored_events(pg_url, job_id)
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(1, len(events) + 1))
        assert watcher.ids == seqs, job_id  # every event, once, in order
        assert watcher.result is not None and watcher.result["status"] in DONE
        assert not _node_ran_again(events), (job_id, _node_ran_again(events))
        assert _runs_start_before_their_nodes(events), (job_id, [e["event"] for e in events])
    assert sum(w.reconnects for w in watchers) >= JOBS  # the API kills cut every stream

    await asyncio.sleep(2)  # what the last stop left running has this long to go
    assert not _our_ffmpegs(data)
    leftovers = list((data / "storage" / "tmp").glob("*")) if (data / "storage").exists() else []
    assert not leftovers, leftovers
    assert time.monotonic() - started < 600
    print(f"chaos: {len(kills)} kills, {time.monotonic() - started:.0f} s, pid {os.getpid()}")


async def _provenance(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    assets = (await client.get(f"/api/v1/jobs/{job_id}/assets")).json()["assets"]
    link = urlsplit(next(a["url"] for a in assets if a["name"] == "provenance.json"))
    doc: dict[str, Any] = (await client.get(f"{link.path}?{link.query}")).json()
    return doc
