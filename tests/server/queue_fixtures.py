"""Queue mode in one test process: API apps (Litestar's test client) and SAQ workers
(`serve_worker` as a task) on one PostgreSQL database, with the fast toolbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from saq.job import Job

from aistudio.artifacts import ProductProfile, ProviderJob, RenderPlan, ShotRender, ShotVisual
from aistudio.jobs.queue import open_queue
from aistudio.jobs.worker import serve_worker
from aistudio.server.app import create_app
from aistudio.settings import QueueSettings, Settings
from aistudio.tools.toolbox import Toolbox
from tests.server.conftest import Client, server_settings
from tests.server.fakes import InstantVideo

FAST_QUEUE: dict[str, Any] = {
    "heartbeat_s": 3,
    "sweep_s": 1,
    "attempts": 2,
    "retry_delay_s": 0.0,
    "concurrency": 2,
}


def queue_settings(data_dir: Path, url: str, **queue: Any) -> Settings:
    # Dev mode: requests need no API key (the apps' store connections live on their own
    # loops, so the test could not add one through them).
    settings = server_settings(data_dir, database_url=url, dev_mode=True, heartbeat_s=0.5)
    settings.queue = QueueSettings(url=url, **{**FAST_QUEUE, **queue})
    return settings


@contextlib.asynccontextmanager
async def api(settings: Settings, tools: Toolbox) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings, toolbox=tools), timeout=120) as client:
        yield client


@contextlib.asynccontextmanager
async def worker(settings: Settings, tools: Toolbox) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(serve_worker(settings, lambda _settings: tools))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 30) -> None:
    """Wait until `check()` holds (polling every 0.1 s), or fail."""
    for _ in range(int(timeout_s * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still not true after {timeout_s} s")


async def saq_job(settings: Settings, job_id: str) -> Job | None:
    queue = open_queue(settings.queue)
    await queue.connect()
    try:
        return await queue.job(job_id)
    finally:
        await queue.disconnect()


class HeldVideo(InstantVideo):
    """A provider whose renders finish only when `release` is set; it records cancels."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.waiting = asyncio.Event()
        self.cancelled: list[str] = []

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]:
        self.waiting.set()
        await self.release.wait()
        return await super().await_result(job, shot, plan, product)

    async def cancel(self, job: ProviderJob) -> None:
        self.cancelled.append(job.request_id)
