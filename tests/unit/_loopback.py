"""A tiny real HTTP/1.1 server on 127.0.0.1 for wire-level tests (no mocks of our code).

Each test scripts the replies; the server records what it received. One request per
connection (`Connection: close`), which is all httpx needs.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunked: bool = False  # send body in Transfer-Encoding: chunked pieces of 1 KiB
    close_delimited: bool = False  # no length at all: the body ends when we close
    delay_s: float = 0.0  # wait before the status line
    stall_s: float = 0.0  # wait after the first body piece


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen], Reply]


def replies(*sequence: Reply) -> Handler:
    """A handler answering with `sequence` in order, then repeating the last reply."""
    items = list(sequence)

    def handler(_seen: Seen) -> Reply:
        return items.pop(0) if len(items) > 1 else items[0]

    return handler


class LoopbackHTTP:
    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.requests: list[Seen] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackHTTP:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):  # stalled handlers would outlive the test otherwise
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._exchange(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up first (size cap, timeout): that is the point of the test
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        method, path, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        seen = Seen(method, path, headers, body)
        self.requests.append(seen)
        reply = self.handler(seen)
        await asyncio.sleep(reply.delay_s)
        out_headers = {"Connection": "close", **reply.headers}
        if reply.chunked:
            out_headers["Transfer-Encoding"] = "chunked"
        elif not reply.close_delimited:
            out_headers.setdefault("Content-Length", str(len(reply.body)))
        status_line = f"HTTP/1.1 {reply.status} X\r\n"
        writer.write(
            (
                status_line + "".join(f"{k}: {v}\r\n" for k, v in out_headers.items()) + "\r\n"
            ).encode("latin-1")
        )
        pieces = _pieces(reply.body) if reply.chunked else [reply.body]
        for index, piece in enumerate(pieces):
            writer.write(
                f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if reply.chunked else piece
            )
            await writer.drain()
            if index == 0 and reply.stall_s:
                await asyncio.sleep(reply.stall_s)
        if reply.chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


def _pieces(body: bytes, size: int = 1024) -> Iterable[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]
