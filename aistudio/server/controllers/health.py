"""Liveness and readiness (no API key: load balancers call these)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from litestar import Controller, get
from litestar.response import Response
from sqlalchemy.exc import SQLAlchemyError

from aistudio.server.deps import Service
from aistudio.server.schemas import Health


def _ffmpeg_present(binary: str) -> bool:
    return Path(binary).is_file() or shutil.which(binary) is not None


class HealthController(Controller):
    path = ""
    tags = ["health"]  # noqa: RUF012 - Litestar reads it

    @get("/health", summary="The process is up")
    async def health(self) -> Health:
        return Health(status="ok")

    @get("/ready", summary="The job store answers and ffmpeg is installed")
    async def ready(self, service: Service) -> Response[Health]:
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(5):
                await service.store.ping()
            checks["database"] = "ok"
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            checks["database"] = f"unreachable ({type(exc).__name__})"
        binary = service.toolbox.ffmpeg.binary
        present = await asyncio.to_thread(_ffmpeg_present, str(binary))
        checks["ffmpeg"] = "ok" if present else "missing"
        ok = all(value == "ok" for value in checks.values())
        return Response(
            Health(status="ready" if ok else "not ready", checks=checks),
            status_code=200 if ok else 503,
        )
