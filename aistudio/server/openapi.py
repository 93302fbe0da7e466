"""OpenAPI: every route documents the problem documents it can answer.

Litestar documents a default 400 body (`status_code`, `detail`, `extra`) that this API never
sends: every error leaves through `problems.problem_handler` as RFC 9457
`application/problem+json`. Rather than repeat a `responses=` table on every handler (and
forget it on the next one), the statuses are derived once from what a handler takes: an
authenticated handler can answer 401 and 429, one with path parameters 404, one with a
body 400, 413 and 422, one with other parameters 400. A handler names any others it
answers (409, 402, ...) with `opt={"problems": (...)}`.
"""

from __future__ import annotations

from http import HTTPStatus

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from pydantic import BaseModel, Field

from aistudio.server.problems import PROBLEM_JSON

PROBLEMS_OPT = "problems"

# What each status means on this API (the description the docs show).
MEANINGS: dict[int, str] = {
    400: "The request could not be read: a malformed body, header or parameter.",
    401: "No API key, or an unknown or revoked one.",
    402: "The job's quoted cost is over its budget (max_cost_usd).",
    404: "No such resource for this tenant (another tenant's ids answer 404 too).",
    409: "Conflict: an Idempotency-Key reused with another body, or the resource is not in "
    "a state that allows this action.",
    413: "The body or the image is larger than the server accepts.",
    415: "The image is not a supported type.",
    416: "The Range header asks for bytes outside the file.",
    422: "The request is well-formed but invalid; `errors` names the fields.",
    429: "Too many requests: retry after `Retry-After` seconds.",
}

# Handler parameters that are injected, not taken from the request.
_INJECTED = frozenset({"principal", "service", "links", "state", "request", "scope"})


class FieldError(BaseModel):
    field: str | None = Field(description="The offending field, when one is to blame.")
    message: str | None = None
    source: str | None = Field(default=None, description="body, query, path or header")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document, as every error of this API is answered."""

    type: str = Field(description="https://aistudio.dev/problems/<slug>, stable per error kind")
    title: str
    status: int
    detail: str = Field(description="What went wrong, for a person to read.")
    instance: str = Field(description="The request path.")
    request_id: str | None = Field(default=None, description="Quote it when reporting.")
    errors: list[FieldError] | None = Field(
        default=None, description="Validation errors, one per field."
    )


def problem_statuses(handler: HTTPRouteHandler, path: str) -> tuple[int, ...]:
    """The problem statuses `handler`, mounted at `path`, can answer (sorted)."""
    parameters = set(handler.parsed_fn_signature.parameters)
    statuses: set[int] = set(handler.opt.get(PROBLEMS_OPT, ()))
    if "principal" in parameters:
        statuses |= {401, 429}
    if "{" in path:
        statuses.add(404)
    if "data" in parameters:
        statuses |= {400, 413, 422}
    elif parameters - _INJECTED:
        # Litestar documents its own 400 body for any handler with parameters: replace it.
        statuses.add(400)
    return tuple(sorted(statuses))


def problem_response(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemDetails,
        media_type=PROBLEM_JSON,
        description=MEANINGS.get(status, HTTPStatus(status).phrase),
        generate_examples=False,
    )


def document_problems(app: Litestar, prefix: str) -> None:
    """Give every handler under `prefix` its problem responses (before the schema is built:
    Litestar builds it lazily on the first request for it). A handler's own entries win."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(prefix):
            continue
        for handler in route.route_handlers:
            derived = {s: problem_response(s) for s in problem_statuses(handler, route.path)}
            handler.responses = {**derived, **(handler.responses or {})}
