"""Product photos that arrive in a conversation: an image content block (a `data:` URL or
an http(s) URL) or a URL in the text. Decoded or fetched SSRF-safely, size-capped, checked
and stored; the conversation keeps the stored asset, never the bytes."""

from __future__ import annotations

import asyncio
import binascii
import re
from typing import Any

from aistudio.artifacts import Asset
from aistudio.errors import InputError, MediaTooLarge
from aistudio.settings import MediaLimits, Settings
from aistudio.tools.fetch import fetch_url
from aistudio.tools.protocols import Storage
from aistudio.tools.vision.ingest import PHOTO_TYPES, check_image

_DATA_URL = re.compile(r"^data:(image/[\w.+-]+)?;base64,(.*)$", re.IGNORECASE | re.DOTALL)


def image_source(block: Any) -> str | None:
    """The URL (data: or http[s]:) of an image content block in any of the shapes chat
    clients send: OpenAI's `image_url`, LangChain's standard `image` block (url or base64)."""
    if not isinstance(block, dict):
        return None
    kind = block.get("type")
    if kind == "image_url":
        inner = block.get("image_url")
        url = inner.get("url") if isinstance(inner, dict) else inner
        return str(url) if url else None
    if kind == "image":
        if block.get("url"):
            return str(block["url"])
        data = block.get("base64") or block.get("data")
        if data:
            mime = block.get("mime_type") or "image/png"
            return f"data:{mime};base64,{data}"
    return None


def decode_data_url(url: str, max_bytes: int) -> bytes:
    match = _DATA_URL.match(url.strip())
    if not match:
        raise InputError("an attached image must be a base64 data: URL or an http(s) URL")
    text = re.sub(r"\s+", "", match.group(2))
    if len(text) > (max_bytes * 4) // 3 + 4:
        raise MediaTooLarge(f"the attached image is larger than {max_bytes} bytes")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("the attached image is not valid base64") from exc


async def photo_bytes(source: str, settings: Settings) -> bytes:
    """The image behind a data: URL or an http(s) URL (fetched SSRF-safely)."""
    limit = min(settings.limits.max_file_bytes, settings.server.max_image_b64_bytes)
    if source.lower().startswith("data:"):
        return await asyncio.to_thread(decode_data_url, source, limit)
    fetched = await fetch_url(
        source,
        max_bytes=settings.limits.max_file_bytes,
        timeout_s=settings.server.fetch_timeout_s,
        allow_hosts=settings.server.fetch_allow_hosts,
        label="the photo URL",
    )
    return fetched.data


async def store_photo(storage: Storage, data: bytes, limits: MediaLimits) -> Asset:
    """Stored once it has proved to be a whole PNG / JPEG / WEBP of an allowed size, under
    its real type, as a submitted photo is (a job rendered from the chat links it)."""
    fmt, _, _ = await asyncio.to_thread(check_image, data, limits)
    mime, ext = PHOTO_TYPES[fmt]
    return await storage.put_bytes(data, kind="reference", mime=mime, ext=ext)
