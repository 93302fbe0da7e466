"""The queue monitor for operators: SAQ's web UI (through litestar-saq) at /admin/queue.

Mounted only with a queue and `server.admin_key` set. The browser UI calls its own JSON
routes, so the key is HTTP Basic (any user name, the key as password: the browser asks
once and sends it on every request); scripts may send `X-Admin-Key` instead.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import saq
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from litestar_saq.base import Job, Worker
from litestar_saq.config import TaskQueues
from litestar_saq.controllers import build_controller
from saq import Queue
from saq.types import QueueInfo, WorkerInfo

from aistudio.settings import Settings

MONITOR_PATH = "/admin/queue"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="aistudio queue monitor", charset="UTF-8"'}


def _presented(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    key = connection.headers.get("x-admin-key")
    if key:
        return key
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        _user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password


def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state.settings
    expected = settings.server.admin_key
    presented = _presented(connection)
    if (
        expected is None
        or presented is None
        or not hmac.compare_digest(presented.encode(), expected.get_secret_value().encode())
    ):
        raise NotAuthorizedException("the queue monitor needs the admin key", headers=CHALLENGE)


def provide_task_queues(state: State) -> TaskQueues:
    queue = state.service.scheduler.queue
    return TaskQueues(queues={queue.name: queue})


@dataclass(frozen=True)
class Monitor:
    handlers: list[ControllerRouterHandler]
    dependencies: dict[str, Provide]
    # litestar-saq's handlers name these types only for type checkers: Litestar resolves
    # them from here when it builds their signatures.
    signature_namespace: dict[str, Any]


def queue_monitor() -> Monitor:
    """The monitor's route handlers, the dependency they need and their type names."""
    static = Path(saq.__file__).parent / "web" / "static"
    handlers: list[ControllerRouterHandler] = [
        build_controller(MONITOR_PATH, [admin_guard], include_in_schema_=False),
        create_static_files_router(
            path=f"{MONITOR_PATH}/static",
            directories=[static],
            guards=[admin_guard],
            include_in_schema=False,
        ),
    ]
    namespace = {
        "Queue": Queue,
        "Worker": Worker,
        "Job": Job,
        "QueueInfo": QueueInfo,
        "WorkerInfo": WorkerInfo,
        "TaskQueues": TaskQueues,
    }
    provide = {"task_queues": Provide(provide_task_queues, sync_to_thread=False)}
    return Monitor(handlers, provide, namespace)
