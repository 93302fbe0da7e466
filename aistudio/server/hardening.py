"""What the API refuses before a handler runs: bodies nested deeper than the JSON decoder
can follow, and NUL characters in the path, query or headers (PostgreSQL cannot store them,
so a lookup with one would fail in the database instead of answering 4xx; JSON bodies are
checked field by field in `aistudio.jobs.requests.RequestBody`).

Authentication runs before any of the body is read: see `aistudio.server.deps.authenticate`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, SerializationException
from litestar.types import ASGIApp, Receive, Scope, Send


class ApiRequest(Request[Any, Any, Any]):
    """The app's request class. msgspec raises RecursionError for JSON nested deeper than the
    interpreter's recursion limit (~1,000 levels); that is the caller's malformed body, a
    400 like any other undecodable JSON, not a 500 with a traceback in the log."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise SerializationException("the JSON body is nested too deeply") from None


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return (
        "\x00" in scope["path"]
        or b"%00" in query
        or b"\x00" in query
        or any(b"\x00" in value for _, value in scope.get("headers", ()))
    )


def reject_nul_middleware(app: ASGIApp) -> ASGIApp:
    """400 for a NUL in the path, query or a header, whatever the route (the app's exception handler
    wraps the middleware, so the error leaves as a problem document)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _has_nul(scope):
            raise ClientException("the URL and headers may not contain NUL characters (%00)")
        await app(scope, receive, send)

    return middleware
