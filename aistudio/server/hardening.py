"""What the API refuses before a handler runs: bodies nested deeper than the JSON decoder
can follow, and NUL characters anywhere in the input (the path, query, headers, and every
string or key of a JSON body). PostgreSQL cannot store a NUL: a lookup or insert with one
would fail in the database (a 500) instead of answering 4xx, while SQLite would store it;
refusing it here makes both stores answer alike, on every route, present and future.

Authentication runs before any of the body is read: see `aistudio.server.deps.authenticate`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, SerializationException, ValidationException
from litestar.types import ASGIApp, Receive, Scope, Send

NUL_MESSAGE = "may not contain NUL characters (\\u0000)"


def nul_path(document: Any) -> str | None:
    """Where the first NUL of a decoded JSON document is ("content", "messages[0].text",
    "body" for the whole document), or None. Iterative: documents nest ~1,000 deep."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    return where
                pending.append((where, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return None


class ApiRequest(Request[Any, Any, Any]):
    """The app's request class: every JSON body goes through `json()`.

    msgspec raises RecursionError for JSON nested deeper than the interpreter's recursion
    limit (~1,000 levels): that is the caller's malformed body, a 400 like any other
    undecodable JSON, not a 500 with a traceback in the log. A NUL in any string or key is
    a 400 validation error naming where it is."""

    _nul_checked = False

    async def json(self) -> Any:
        try:
            document = await super().json()
        except RecursionError:
            raise SerializationException("the JSON body is nested too deeply") from None
        if not self._nul_checked:
            where = nul_path(document)
            if where is not None:
                raise ValidationException(
                    f"{where} {NUL_MESSAGE}",
                    extra=[{"key": where, "message": NUL_MESSAGE, "source": "body"}],
                )
            self._nul_checked = True
        return document


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
