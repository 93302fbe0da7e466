"""The reference photo from where a caller points at it: a local file or an http(s) URL
(fetched SSRF-safely), read within the size limit. Validation proper is ingest's."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aistudio.errors import InputError
from aistudio.settings import Settings
from aistudio.tools.fetch import fetch_url


async def read_photo_file(image: Path, max_bytes: int) -> bytes:
    try:
        size = (await asyncio.to_thread(image.stat)).st_size
    except OSError as exc:
        raise InputError(f"cannot read image {image}: {exc.strerror}") from exc
    if size > max_bytes:
        raise InputError(f"image {image} is {size} bytes; the limit is {max_bytes}")
    return await asyncio.to_thread(image.read_bytes)


async def read_photo(source: str, settings: Settings, *, label: str = "photo") -> bytes:
    """The bytes of the photo `source` names: an http(s) URL or a file path."""
    source = source.strip()
    if not source:
        raise InputError(f"{label} is empty: give a file path or an http(s) URL")
    limit = settings.limits.max_file_bytes
    if source.lower().startswith(("http://", "https://")):
        fetched = await fetch_url(
            source,
            max_bytes=limit,
            timeout_s=settings.server.fetch_timeout_s,
            allow_hosts=settings.server.fetch_allow_hosts,
            label=label,
        )
        return fetched.data
    path = await asyncio.to_thread(Path(source).expanduser)
    return await read_photo_file(path, limit)
