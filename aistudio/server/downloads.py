"""Streaming file responses with single-range support (players seek with Range requests)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

from litestar.response import Stream

from aistudio.artifacts import Asset
from aistudio.errors import InputError, NotFound
from aistudio.jobs.models import JobRow
from aistudio.jobs.runner import validate_job_id
from aistudio.server.problems import RangeNotSatisfiable
from aistudio.server.signing import verify_signed
from aistudio.tools.protocols import Storage

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive, None for the whole file; RangeNotSatisfiable if bad.

    One range only: a player never asks for several, and multipart answers are a waste.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        raise RangeNotSatisfiable(size)
    first_s, last_s = match.groups()
    if first_s == "":  # suffix: the last N bytes
        length = int(last_s)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - length), size - 1
    first = int(first_s)
    last = min(int(last_s), size - 1) if last_s else size - 1
    if first >= size or last < first:
        raise RangeNotSatisfiable(size)
    return first, last


async def _chunks(path: Path, first: int, last: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, first)
        remaining = last - first + 1
        while remaining > 0:
            data = await asyncio.to_thread(handle.read, min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        await asyncio.to_thread(handle.close)


async def stored_file(storage: Storage, key: str, mime: str) -> Path:
    asset = Asset(key=key, kind="video", mime=mime, sha256="0" * 64, size_bytes=0)
    return await storage.path_of(asset)


async def file_response(path: Path, mime: str, range_header: str | None, filename: str) -> Stream:
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
    except OSError as exc:
        raise NotFound("the file is no longer in storage") from exc
    span = parse_range(range_header, size)
    first, last = span or (0, size - 1)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(max(0, last - first + 1)),
        "Content-Disposition": f'inline; filename="{filename}"',
        # The handler's declared media type would override the Stream's own (Litestar
        # passes it down at response time): a header set here is the one that is sent.
        "Content-Type": mime,
    }
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return Stream(_chunks(path, first, last), status_code=status, media_type=mime, headers=headers)


def first_video(row: JobRow) -> tuple[str, dict[str, str]]:
    # In publish order: the first aspect ratio the brief asked for comes first.
    for name, record in (row.assets or {}).items():
        if record.get("mime") == "video/mp4":
            return name, record
    raise NotFound(f"job {row.id} has no video (status {row.status})")


def check_signed_link(
    secret: bytes, path: str, target_id: str, expires: str | None, sig: str | None
) -> None:
    """A signed link's target: a bad signature, an expired link and a malformed id all look
    like a missing file (NotFound), so a link reveals nothing it does not grant."""
    verify_signed(secret, path, expires, sig)
    try:
        validate_job_id(target_id)
    except InputError as exc:
        raise NotFound("no such file") from exc
