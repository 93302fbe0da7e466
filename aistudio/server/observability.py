"""Request ids and structured JSON logs.

Every request carries an id: the caller's `X-Request-ID` when it is sane, a new one
otherwise. It is returned in the response header, put in problem documents and attached to
every log record written while the request is handled (with job id and tenant when known).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "aistudio_request_id", default=None
)
access = logging.getLogger("aistudio.access")
_CONTEXT_FIELDS = ("job_id", "tenant", "path", "status", "method", "duration_ms")


def request_id_of(scope: Scope) -> str:
    """The request's id, chosen once per request and kept in the ASGI scope."""
    state: dict[str, Any] = scope  # type: ignore[assignment]
    existing = state.get("aistudio_request_id")
    if existing:
        return str(existing)
    given = ""
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            given = value.decode("latin-1").strip()
            break
    chosen = given if _SANE_ID.match(given) else secrets.token_hex(8)
    state["aistudio_request_id"] = chosen
    return chosen


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        token = request_id_var.set(request_id_of(scope))
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            access.info(
                "%s %s %d",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)

    return middleware


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """`before_send` hook: runs for every response, error responses included."""
    if message["type"] == "http.response.start" and scope["type"] == ScopeType.HTTP:
        headers = list(message.get("headers", []))
        headers.append((REQUEST_ID_HEADER.encode(), request_id_of(scope).encode()))
        message["headers"] = headers


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """One JSON line per record on stderr (called by `aistudio serve`, not at import)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True  # we log requests ourselves, as JSON
