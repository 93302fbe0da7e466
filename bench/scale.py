"""Queue-mode scale: jobs/s to completion with 1, 2 and 4 worker processes.

An API process and N `worker` processes (tests/server/procs.py, SAQ on this machine's
PostgreSQL), every tool replayed from its first result but a tiny real encode (as in
bench/api.py), so what is measured is orchestration: HTTP, intake, the queue, LangGraph
with Postgres checkpoints, the events table. For each N: J concurrent submissions ->
jobs/s to completion, queue latency (job_queued -> job_started on a worker, from the events'
timestamps) p50/p99, and CPU per job of the API and of the workers.

Prints one JSON line.  Usage: python -m bench.scale [--jobs 60] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.server.cluster import Cluster, cpu_s, queue_env
from tests.server.conftest import promo_body

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PROMO = "/api/v1/video/generate-promo-video"


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"aistudio_bench_{secrets.token_hex(4)}"
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as conn:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _workers_up(url: str, count: int) -> None:
    dsn = "postgresql://" + url.split("://", 1)[1]
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        for _ in range(600):
            with_stats = await conn.execute(
                "SELECT count(*) FROM saq_stats WHERE expire_at >= EXTRACT(EPOCH FROM NOW())"
            )
            row = await with_stats.fetchone()
            if row is not None and row[0] >= count:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{count} workers did not come up")


async def _wait_done(client: httpx.AsyncClient, ids: list[str]) -> None:
    pending = list(ids)
    while pending:
        await asyncio.sleep(0.25)
        while pending:
            job = (await client.get(f"/api/v1/jobs/{pending[0]}")).json()
            if job["status"] in ("queued", "running"):
                break  # jobs finish roughly in order: poll the oldest until it is done
            assert job["status"] == "completed_with_warnings", job
            pending.pop(0)


async def _latencies(url: str, ids: list[str]) -> list[float]:
    """Seconds from each job's `job_queued` to its `job_started`: every job has exactly one
    of each (a job without, or with a second run, is a defect this bench reports)."""
    dsn = "postgresql://" + url.split("://", 1)[1]
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        rows = await (
            await conn.execute(
                "SELECT job_id, array_agg(ts) FILTER (WHERE event = 'job_queued'),"
                " array_agg(ts) FILTER (WHERE event = 'job_started'),"
                " count(*) FILTER (WHERE event = 'job_resumed')"
                " FROM job_events WHERE job_id = ANY(%s) GROUP BY job_id",
                (ids,),
            )
        ).fetchall()
    odd = [row for row in rows if len(row[1] or ()) != 1 or len(row[2] or ()) != 1 or row[3]]
    if odd or len(rows) != len(ids):
        raise RuntimeError(f"jobs without exactly one job_queued and job_started: {odd}")
    return [started[0] - queued[0] for _, queued, started, _ in rows]


async def run(workers: int, jobs: int, data: Path) -> dict[str, Any]:
    async with fresh_database() as url:
        # The default heartbeat (the tests' 5 s sweeps a worker starved by a busy machine,
        # and its job runs twice: not what this measures).
        env = queue_env(
            data, url, AISTUDIO_QUEUE__CONCURRENCY="2", AISTUDIO_QUEUE__HEARTBEAT_S="30"
        )
        cluster = Cluster(env, tools="replay")
        try:
            base = await cluster.start_api("api")
            for n in range(workers):
                cluster.start_worker(f"w{n}")
            await _workers_up(url, workers)
            body = promo_body()
            limits = httpx.Limits(max_connections=jobs)
            async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
                warm = (await client.post(PROMO, json=body)).json()["job_id"]
                await _wait_done(client, [warm])  # replays loaded, graph compiled
                procs = {name: proc.pid for name, proc in cluster.procs.items()}
                cpu0 = {name: cpu_s(pid) for name, pid in procs.items()}
                started = time.perf_counter()
                answers = await asyncio.gather(
                    *(client.post(PROMO, json=body) for _ in range(jobs))
                )
                ids = [answer.json()["job_id"] for answer in answers]
                await _wait_done(client, ids)
                wall = time.perf_counter() - started
                cpu1 = {name: cpu_s(pid) for name, pid in procs.items()}
        finally:
            cluster.stop_all()
        latency = sorted(await _latencies(url, ids))
    worker_cpu = sum(cpu1[n] - cpu0[n] for n in procs if n != "api")
    cuts = statistics.quantiles(latency, n=100)
    return {
        "workers": workers,
        "jobs_per_s": round(jobs / wall, 2),
        "wall_s": round(wall, 2),
        "queue_latency_p50_ms": round(1000 * statistics.median(latency), 1),
        "queue_latency_p99_ms": round(1000 * cuts[98], 1),
        "api_cpu_ms_per_job": round(1000 * (cpu1["api"] - cpu0["api"]) / jobs, 1),
        "worker_cpu_ms_per_job": round(1000 * worker_cpu / jobs, 1),
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            runs.append(await run(workers, args.jobs, Path(tmp)))
    return {
        "bench": "scale",
        "cores": os.cpu_count(),
        "jobs": args.jobs,
        "concurrency_per_worker": 2,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument(
        "--workers", type=lambda v: [int(n) for n in v.split(",")], default=[1, 2, 4]
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
