"""The one exception -> RFC 9457 problem-details mapping of the API.

`AppError` subclasses map by their `http_status` and `type_slug`; Litestar's own HTTP
exceptions (validation, 404 route, 405, 413 body) by their status; anything else is a
logged 500 whose body says nothing about the internals.
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from aistudio.errors import AppError, RateLimited
from aistudio.server.observability import request_id_of

log = logging.getLogger("aistudio.server")

PROBLEM_BASE = "https://aistudio.dev/problems/"
PROBLEM_JSON = "application/problem+json"

# Stable slugs for the statuses Litestar raises itself.
_HTTP_SLUGS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media",
    416: "range-not-satisfiable",
    422: "invalid-input",
    429: "rate-limited",
    503: "unavailable",
}


class RangeNotSatisfiable(AppError):
    """A Range header asked for bytes the file does not have."""

    type_slug = "range-not-satisfiable"
    http_status = 416

    def __init__(self, size: int) -> None:
        super().__init__(f"the requested range is outside the file ({size} bytes)")
        self.size = size


def problem(
    request: Request[Any, Any, Any],
    status: int,
    slug: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else slug,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    request_id = request_id_of(request.scope)
    body["request_id"] = request_id
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    return [
        {"field": item.get("key"), "message": item.get("message"), "source": item.get("source")}
        for item in extra
        if isinstance(item, dict)
    ]


def problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, AppError):
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
        elif isinstance(exc, RangeNotSatisfiable):
            headers = {"Content-Range": f"bytes */{exc.size}"}
        if exc.http_status >= 500:
            log.error("request failed: %s", exc, extra={"path": request.url.path})
        return problem(request, exc.http_status, exc.type_slug, exc.message, headers=headers)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        return problem(
            request,
            exc.status_code,
            "validation-error",
            "the request is not valid: "
            + "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
            if errors
            else str(exc.detail),
            errors=errors,
        )
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        slug = _HTTP_SLUGS.get(exc.status_code, f"http-{exc.status_code}")
        headers = dict(exc.headers or {})
        return problem(request, exc.status_code, slug, str(exc.detail), headers=headers or None)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        500,
        "internal-error",
        "an internal error occurred; quote the request id when reporting it",
    )
