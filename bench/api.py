"""Job API overhead: the server's own cost per job when the tools cost nothing.

Runs the server (uvicorn, real HTTP on loopback) in a child process whose tools replay the
result of their first real call (ingest, moderation, ffmpeg probes, QA, one tiny encode),
so what remains is orchestration: HTTP, validation, the job store, LangGraph + its SQLite
checkpoints, the events table. This process is the client:

  (a) N concurrent submissions -> jobs/s to completion, server CPU ms per job;
  (b) GET /video/status at a fixed request rate (open loop) -> latency p50/p99.

Prints one JSON line.  Usage: python -m bench.api [--jobs 200] [--rate 100] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import functools
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import httpx

ROOT = Path(__file__).resolve().parent.parent
BRIEF = "AURUM Eau de Parfum, amber and vanilla. Shop now"
TICKS = os.sysconf("SC_CLK_TCK")


class Replay:
    """Wraps a tool: each async method runs for real once, then returns that result."""

    def __init__(self, tool: Any) -> None:
        self._tool = tool
        self._results: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._tool, name)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        @functools.wraps(attr)
        async def replayed(*args: Any, **kwargs: Any) -> Any:
            if name not in self._results:
                self._results[name] = await attr(*args, **kwargs)
            return self._results[name]

        return replayed


def serve(port: int, data: Path) -> None:
    """The child: the app with replaying tools, on uvicorn."""
    import uvicorn

    from aistudio.server.app import create_app
    from aistudio.settings import ServerSettings, Settings
    from tests.server.fakes import fast_toolbox

    settings = Settings(
        data_dir=data,
        max_qa_retries=0,
        server=ServerSettings(dev_mode=True, rate_per_s=1e6, burst=1_000_000),
    )
    tools = fast_toolbox(settings)
    instant = dataclasses.replace(
        tools,
        ingestor=cast(Any, Replay(tools.ingestor)),
        moderator=cast(Any, Replay(tools.moderator)),
        inspector=cast(Any, Replay(tools.inspector)),
        ffmpeg=cast(Any, Replay(tools.ffmpeg)),
        composer=cast(Any, Replay(tools.composer)),
        stills=cast(Any, Replay(tools.stills)),
    )
    app = create_app(settings, toolbox=instant)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _cpu_s(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _body() -> dict[str, Any]:
    photo = base64.b64encode((ROOT / "examples" / "aurum-perfume.png").read_bytes()).decode()
    return {
        "content": BRIEF,
        "reference_image_b64": photo,
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
    }


async def _wait_done(client: httpx.AsyncClient, ids: list[str]) -> None:
    pending = set(ids)
    while pending:
        await asyncio.sleep(0.25)
        for job_id in list(pending):
            job = (await client.get(f"/api/v1/jobs/{job_id}")).json()
            if job["status"] not in ("queued", "running"):
                assert job["status"] == "completed_with_warnings", job
                pending.discard(job_id)
            else:
                break  # jobs finish roughly in order: poll the oldest until it is done


async def throughput(base: str, pid: int, jobs: int) -> dict[str, float]:
    body = _body()
    limits = httpx.Limits(max_connections=jobs)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        warm = (await client.post("/api/v1/video/generate-promo-video", json=body)).json()
        await _wait_done(client, [warm["job_id"]])  # tools make their one real call
        cpu0, started = _cpu_s(pid), time.perf_counter()
        responses = await asyncio.gather(
            *(client.post("/api/v1/video/generate-promo-video", json=body) for _ in range(jobs))
        )
        submitted = time.perf_counter() - started
        ids = [r.json()["job_id"] for r in responses]
        await _wait_done(client, ids)
        wall, cpu1 = time.perf_counter() - started, _cpu_s(pid)
    user, system = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    return {
        "jobs": jobs,
        "submit_s": round(submitted, 3),
        "wall_s": round(wall, 3),
        "jobs_per_s": round(jobs / wall, 2),
        "server_cpu_ms_per_job": round(1000 * (user + system) / jobs, 1),
        "user_ms_per_job": round(1000 * user / jobs, 1),
        "system_ms_per_job": round(1000 * system / jobs, 1),
    }


async def status_latency(base: str, job_id: str, rate: float, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one() -> None:
            t0 = time.perf_counter()
            response = await client.get(f"/api/v1/video/status/{job_id}")
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200

        for _ in range(20):  # warm the connection pool: connects are not what we measure
            await one()
        latencies.clear()
        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):  # open loop: a slow answer does not slow the rate
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate_per_s": rate,
        "requests": len(latencies),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p99_ms": round(1000 * cuts[98], 2),
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.api",
            "--serve",
            str(port),
            "--data",
            tmp,
            cwd=ROOT,
            env=env,
        )
        try:
            async with httpx.AsyncClient(base_url=base) as client:
                for _ in range(200):
                    try:
                        if (await client.get("/ready")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.2)
            made = await throughput(base, child.pid, args.jobs)
            async with httpx.AsyncClient(base_url=base) as client:
                job_id = (await client.get("/api/v1/jobs?limit=1")).json()["items"][0]["id"]
            latency = await status_latency(base, job_id, args.rate, args.seconds)
        finally:
            child.terminate()
            await asyncio.wait_for(child.wait(), 60)
    return {
        "bench": "api",
        "max_concurrent_jobs": 2,
        "cores": os.cpu_count(),
        "throughput": made,
        "status_latency": latency,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.data)
        return
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
