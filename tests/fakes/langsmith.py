"""A loopback LangSmith: the endpoints the `langsmith` SDK's tracer sends runs to.

`GET /info` answers an empty server description (so the client uses plain, uncompressed
multipart ingestion), `POST /runs/multipart` takes batches of run parts
(`post.<id>`, `post.<id>.inputs`, `patch.<id>.outputs`, ...), and the JSON routes
(`POST /runs/batch`, `POST /runs`, `PATCH /runs/<id>`) are recorded as well. `runs()`
folds every part of every request into one dict per run id.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.asgi import FakeService, Request, Response

_PART = re.compile(rb'name="(post|patch)\.([0-9a-f-]+)(?:\.(\w+))?"')


def _multipart_parts(request: Request) -> list[tuple[str, str, str | None, Any]]:
    boundary = request.headers["content-type"].split("boundary=", 1)[1].strip().encode()
    parts = []
    for chunk in request.body.split(b"--" + boundary):
        head, _, payload = chunk.partition(b"\r\n\r\n")
        match = _PART.search(head)
        if match is None:
            continue
        action, run_id, field = match.group(1).decode(), match.group(2).decode(), match.group(3)
        parts.append(
            (action, run_id, field.decode() if field else None, json.loads(payload.strip()))
        )
    return parts


class FakeLangSmith(FakeService):
    def route(self, request: Request) -> str:
        if request.path == "/info":
            return "info"
        if request.path == "/runs/multipart":
            return "multipart"
        if request.path.startswith("/runs"):
            return "runs-json"
        if request.path.startswith("/sessions"):
            return "sessions"
        return "unknown"

    async def handle(self, request: Request) -> Response:
        if request.route == "info":
            return Response.of({})
        if request.route == "sessions":
            return Response.of([])
        return Response.of({}, 202 if request.method == "POST" else 200)

    def payloads(self) -> list[bytes]:
        """Every body the tracer uploaded, as sent."""
        return [r.body for r in self.requests if r.route in {"multipart", "runs-json"}]

    def runs(self) -> dict[str, dict[str, Any]]:
        """Run id -> the run as uploaded (creation merged with its later patches)."""
        runs: dict[str, dict[str, Any]] = {}
        for request in self.requests:
            if request.route == "multipart":
                for _action, run_id, field, value in _multipart_parts(request):
                    run = runs.setdefault(run_id, {"id": run_id})
                    if field is None:
                        run.update(value)
                    else:
                        run[field] = value
            elif request.route == "runs-json" and request.body:
                body = request.json()
                batches = (
                    [body] if "id" in body else [*body.get("post", []), *body.get("patch", [])]
                )
                for item in batches:
                    runs.setdefault(str(item["id"]), {"id": str(item["id"])}).update(item)
        return runs
