"""Base of the loopback provider fakes: a raw ASGI app served by uvicorn on 127.0.0.1.

A fake records every request, answers by route, and injects faults: scripted per route
("the next submit answers 429") or at random with a seeded rate ("30 % of all calls").
Faults: 429 with retry headers, 500, 502 from an "nginx" ingress, 503, a hang (the client
times out), and a malformed (non-JSON) body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn

Fault = Literal["429", "500", "502-nginx", "503", "hang", "malformed"]
Json = dict[str, Any] | list[Any]


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    route: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    # A streamed body (server-sent events): sent piece by piece, `pause_s` apart, after
    # `body` (if any), so the client really reads it as it arrives.
    chunks: list[bytes] | None = None
    pause_s: float = 0.0

    @classmethod
    def of(cls, payload: Json, status: int = 200, **headers: str) -> Response:
        return cls(
            status, json.dumps(payload).encode(), {"content-type": "application/json", **headers}
        )


@dataclass
class FaultPlan:
    scripted: dict[str, list[Fault]] = field(default_factory=dict)  # route -> next faults
    rate: float = 0.0  # random faults on every route not in `spare`
    kinds: tuple[Fault, ...] = ("429", "500", "502-nginx", "503", "hang")
    spare: frozenset[str] = frozenset()
    seed: int = 7
    hang_s: float = 3.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def take(self, route: str) -> Fault | None:
        queue = self.scripted.get(route)
        if queue:
            return queue.pop(0)
        if self.rate and route not in self.spare and self.rng.random() < self.rate:
            return self.rng.choice(self.kinds)
        return None


def fault_response(fault: Fault, error_body: Callable[[int, str], Json]) -> Response:
    if fault == "429":
        return Response.of(
            error_body(429, "rate limited"), 429, **{"retry-after": "0", "retry-after-ms": "10"}
        )
    if fault == "502-nginx":  # what an ingress answers: HTML, no request id
        return Response(
            502,
            b"<html><body><center>502 Bad Gateway</center><hr><center>nginx</center></body></html>",
            {"content-type": "text/html"},
        )
    if fault == "malformed":
        return Response(200, b"{not json", {"content-type": "application/json"})
    status = int(fault)
    return Response.of(error_body(status, "upstream trouble"), status)


class FakeService:
    """Subclasses implement `route(request) -> str` and `handle(request) -> Response`."""

    def __init__(self, faults: FaultPlan | None = None) -> None:
        self.faults = faults or FaultPlan()
        self.requests: list[Request] = []
        self.base_url = ""
        self.faults_injected: list[tuple[str, Fault]] = []
        self.background: list[asyncio.Task[Any]] = []

    def route(self, request: Request) -> str:
        raise NotImplementedError

    async def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Json:
        return {"detail": message}

    async def shutdown(self) -> None:
        """Stop background work (a fake model still rendering) before the loop closes."""
        tasks = [t for t in self.background if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def count(self, route: str) -> int:
        return sum(1 for r in self.requests if r.route == route)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode(),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
        )
        request.route = self.route(request)
        self.requests.append(request)
        fault = self.faults.take(request.route)
        if fault is not None:
            self.faults_injected.append((request.route, fault))
            if fault == "hang":
                await asyncio.sleep(self.faults.hang_s)
                response = Response.of(self.error_body(504, "too late"), 504)
            else:
                response = fault_response(fault, self.error_body)
        else:
            response = await self.handle(request)
        headers = [(k.encode(), v.encode()) for k, v in response.headers.items()]
        if response.chunks is None:
            headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if response.chunks is None:
            await send({"type": "http.response.body", "body": response.body})
            return
        for chunk in response.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(response.pause_s)
        await send({"type": "http.response.body", "body": b""})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(app: FakeService) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port for the duration of the block."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    app.base_url = f"http://127.0.0.1:{port}"
    try:
        yield app.base_url
    finally:
        server.should_exit = True
        await task
        await app.shutdown()


@contextlib.asynccontextmanager
async def serving_in_thread(app: FakeService) -> AsyncIterator[str]:
    """`serving`, but on its own thread and event loop: for callers (Litestar's test client)
    that block the test's loop while a request is handled."""
    import threading

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()

    async def run() -> None:
        try:
            await server.serve()
        finally:
            await app.shutdown()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the fake server did not start")
        await asyncio.sleep(0.01)
    app.base_url = f"http://127.0.0.1:{port}"
    try:
        yield app.base_url
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        loop.close()
