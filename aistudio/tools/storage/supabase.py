"""Supabase Storage behind the `Storage` protocol, through the async supabase SDK.

Objects live in one bucket under the same content-addressed keys as `LocalStorage`
(`objects/<kind>/<sha[:2]>/<sha>.<ext>`): identical bytes are stored once and a key never
changes meaning, so an "already exists" answer to an upload is success. FFmpeg and OpenCV
need files, so every object also lives in a local content-addressed cache (a `LocalStorage`
under the data dir): puts write it before uploading (a job never downloads what it just
uploaded) and `path_of` downloads into it, sha256-verified, when it is missing. Memo entries
are small JSON objects under `memo/` in the bucket, cached locally as well.

storage3 has no retries and lets httpx errors through unchanged: every call goes through
`_call`, a bounded retry with jittered backoff on 429/5xx/timeouts/connection errors and
malformed answers, and failures come out as `ProviderError` / `NotFound`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import ValidationError
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.types import FileOptions
from storage3.utils import StorageException
from supabase import AsyncClient, AsyncClientOptions

from aistudio.artifacts import Asset, AssetKind
from aistudio.errors import AppError, NotFound, ProviderError
from aistudio.tools.storage.local import LocalStorage, _atomic_write

if TYPE_CHECKING:
    from storage3._async.file_api import AsyncBucketProxy

log = logging.getLogger(__name__)

T = TypeVar("T")
PROVIDER = "supabase"
# A content-addressed object never changes, so CDNs and browsers may keep it for a year.
_IMMUTABLE = "31536000"
# What storage3 lets escape besides StorageApiError: httpx transport errors, and the
# KeyError/ValueError (JSON, pydantic) of a 200 answer whose body is not what it expects.
_SDK_ERRORS = (StorageException, httpx.HTTPError, KeyError, ValueError)


@dataclass(frozen=True)
class SupabasePolicy:
    attempts: int = 4  # per call, on retryable errors only
    backoff_s: float = 0.25
    max_backoff_s: float = 5.0
    timeout_s: float = 20.0  # httpx timeout per phase (connect, read, write, pool)


class _Corrupt(Exception):
    """An answer that arrived whole but is wrong (bytes not matching the sha256, a memo
    that is not an Asset). Retried: a proxy may have mangled it."""


def _status(exc: StorageApiError) -> int | None:
    # Supabase puts the real status in the body ("404" inside an HTTP 400); storage3
    # falls back to the HTTP status when the body is not its error shape.
    try:
        return int(str(exc.status))
    except ValueError:
        return None


def _is_duplicate(exc: StorageApiError) -> bool:
    return _status(exc) == 409 or exc.code == "Duplicate"


def _as_error(exc: Exception, what: str) -> AppError:
    if isinstance(exc, StorageApiError):
        status = _status(exc)
        if status == 404:
            return NotFound(f"{what}: {exc.message}")
        retryable = status is not None and (status in (408, 429) or status >= 500)
        return ProviderError(
            f"{what}: {exc.message}", provider=PROVIDER, status=status, retryable=retryable
        )
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(
            f"{what} timed out ({type(exc).__name__})", provider=PROVIDER, retryable=True
        )
    if isinstance(exc, httpx.TransportError):
        return ProviderError(
            f"{what}: {type(exc).__name__}: {exc}", provider=PROVIDER, retryable=True
        )
    # A 200 whose body storage3 could not use (not JSON, no `Key`, no `signedURL`).
    return ProviderError(
        f"{what}: malformed answer ({type(exc).__name__}: {exc})", provider=PROVIDER, retryable=True
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_if_exists(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def memo_object_key(memo_key: str) -> str:
    """The bucket key (and cache path) of a memo entry: `memo/<sha256 of the memo key>.json`."""
    return f"memo/{_sha256(memo_key.encode())}.json"


class SupabaseStorage:
    """`Storage` on a Supabase bucket, with a local content-addressed cache for files.

    `key` must be a service-role key: it creates the bucket and reads private objects.
    """

    name = "supabase"

    def __init__(
        self,
        url: str,
        key: str,
        *,
        bucket: str,
        cache_dir: Path,
        signed_url_ttl_s: int = 3600,
        policy: SupabasePolicy | None = None,
    ) -> None:
        self.url = url
        self.bucket = bucket
        self.signed_url_ttl_s = signed_url_ttl_s
        self.policy = policy or SupabasePolicy()
        self.cache = LocalStorage(cache_dir)
        self._key = key
        # Keys known to be in the bucket (uploaded, downloaded or seen) by this process:
        # repeated puts of the same bytes cost no request. Cache presence is no proof: an
        # upload may have failed after the cache was written.
        self._remote: set[str] = set()
        self._bucket_ready = False
        # httpx clients are bound to the event loop they were first used on; tools are
        # shared across loops (tests, Studio), so the SDK client is built per loop.
        self._client: AsyncClient | None = None
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the SDK ---------------------------------------------------------------------------
    def _storage(self) -> AsyncStorageClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # Our own httpx client: storage3's `timeout=` is deprecated (it warns on every
            # client), and this one carries the configured timeout as a float.
            http = httpx.AsyncClient(timeout=self.policy.timeout_s, follow_redirects=True)
            options = AsyncClientOptions(
                httpx_client=http, auto_refresh_token=False, persist_session=False
            )
            # The constructor `acreate_client` wraps; it sends no request. Called directly
            # so that no await sits between the check above and the assignment below.
            self._client = AsyncClient(self.url, self._key, options)
            self._http, self._loop = http, loop
        return self._client.storage

    def _files(self) -> AsyncBucketProxy:
        return self._storage().from_(self.bucket)

    async def aclose(self) -> None:
        """Close the HTTP connections (the cache needs no closing)."""
        if self._http is not None and self._loop is asyncio.get_running_loop():
            await self._http.aclose()
        self._client = self._http = self._loop = None

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one SDK call with bounded, jittered retries on retryable failures only."""
        p = self.policy
        for attempt in range(1, p.attempts + 1):
            last = attempt == p.attempts
            try:
                return await call()
            except _Corrupt as exc:
                error = ProviderError(f"{what}: {exc}", provider=PROVIDER, retryable=not last)
                error.__cause__ = exc
            except _SDK_ERRORS as exc:
                mapped = _as_error(exc, what)
                if not isinstance(mapped, ProviderError) or not mapped.retryable:
                    raise mapped from exc
                error = mapped
                error.__cause__ = exc
            if last:
                raise error
            delay = min(p.max_backoff_s, p.backoff_s * 2 ** (attempt - 1))
            delay *= random.uniform(0.5, 1.5)  # jitter, not security
            log.warning(
                "%s failed (%s), attempt %d/%d, retrying in %.2fs",
                what,
                error,
                attempt,
                p.attempts,
                delay,
            )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    # -- start-up ----------------------------------------------------------------------------
    async def ensure_bucket(self) -> None:
        """Create the (private) bucket when it is missing. Idempotent and race-safe; writes
        call it lazily once, start-up code may call it to fail fast on a bad URL or key."""
        if self._bucket_ready:
            return
        try:
            await self._call(
                f"get bucket {self.bucket}", lambda: self._storage().get_bucket(self.bucket)
            )
        except NotFound:

            async def create() -> None:
                try:
                    await self._storage().create_bucket(self.bucket, options={"public": False})
                except StorageApiError as exc:
                    if not _is_duplicate(exc):  # another worker created it first: fine
                        raise

            await self._call(f"create bucket {self.bucket}", create)
            log.info("created Supabase storage bucket %r", self.bucket)
        self._bucket_ready = True

    # -- writing -----------------------------------------------------------------------------
    async def _upload(self, asset: Asset, data: bytes) -> None:
        if asset.key in self._remote:
            return
        await self.ensure_bucket()
        options: FileOptions = {"content-type": asset.mime, "cache-control": _IMMUTABLE}

        async def attempt() -> None:
            try:
                await self._files().upload(asset.key, data, options)
            except StorageApiError as exc:
                # Same key, same sha256, same bytes: somebody (or an earlier attempt whose
                # answer we lost) stored it already.
                if not _is_duplicate(exc):
                    raise

        await self._call(f"upload {asset.key}", attempt)
        self._remote.add(asset.key)

    async def put_bytes(
        self, data: bytes, *, kind: AssetKind, mime: str, ext: str, **facts: Any
    ) -> Asset:
        asset = await self.cache.put_bytes(data, kind=kind, mime=mime, ext=ext, **facts)
        await self._upload(asset, data)
        return asset

    async def put_file(
        self, path: Path, *, kind: AssetKind, mime: str, ext: str, move: bool = True, **facts: Any
    ) -> Asset:
        asset = await self.cache.put_file(path, kind=kind, mime=mime, ext=ext, move=move, **facts)
        if asset.key not in self._remote:
            # Read in a thread and uploaded as bytes: given a path, storage3 opens and reads
            # the file on the event loop. Rendered outputs are tens of MB at most.
            data = await asyncio.to_thread(self._cache_path(asset).read_bytes)
            await self._upload(asset, data)
        return asset

    # -- reading -----------------------------------------------------------------------------
    def _cache_path(self, asset: Asset) -> Path:
        return self.cache.root / asset.key

    async def _download_verified(self, asset: Asset) -> bytes:
        async def attempt() -> bytes:
            data: bytes = await self._files().download(asset.key)
            got = await asyncio.to_thread(_sha256, data)
            if got != asset.sha256:
                raise _Corrupt(f"sha256 {got[:12]}… does not match {asset.sha256[:12]}…")
            return data

        data = await self._call(f"download {asset.key}", attempt)
        self._remote.add(asset.key)
        return data

    async def path_of(self, asset: Asset) -> Path:
        """A local path to read the asset from, downloaded into the cache when missing."""
        path = self._cache_path(asset)
        if not await asyncio.to_thread(path.exists):
            data = await self._download_verified(asset)
            await asyncio.to_thread(_atomic_write, path, data)
        return path

    async def read_bytes(self, asset: Asset) -> bytes:
        cached = await asyncio.to_thread(_read_if_exists, self._cache_path(asset))
        if cached is not None:
            return cached
        data = await self._download_verified(asset)
        await asyncio.to_thread(_atomic_write, self._cache_path(asset), data)
        return data

    async def exists(self, asset: Asset) -> bool:
        """Whether the bucket holds the asset (the cache alone is not the store)."""
        if asset.key in self._remote:
            return True
        try:
            await self._call(f"info {asset.key}", lambda: self._files().info(asset.key))
        except NotFound:
            return False
        self._remote.add(asset.key)
        return True

    async def export(self, asset: Asset, dest: Path) -> Path:
        await self.path_of(asset)
        return await self.cache.export(asset, dest)

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove the objects from the bucket and the local cache."""
        if keys:
            await self._call(
                f"remove {len(keys)} objects", lambda: self._files().remove(list(keys))
            )
            self._remote.difference_update(keys)
        await self.cache.delete(keys)

    async def signed_url(self, asset: Asset, ttl_s: int | None = None) -> str:
        """An absolute URL that serves the object without a key until it expires."""
        ttl = ttl_s or self.signed_url_ttl_s
        answer = await self._call(
            f"sign {asset.key}", lambda: self._files().create_signed_url(asset.key, ttl)
        )
        url = answer.get("signedURL")
        if not url:
            raise ProviderError(f"sign {asset.key}: no signedURL in the answer", provider=PROVIDER)
        return str(url)

    # -- memo --------------------------------------------------------------------------------
    async def recall(self, memo_key: str) -> Asset | None:
        key = memo_object_key(memo_key)
        cached = self.cache.root / key
        raw = await asyncio.to_thread(_read_if_exists, cached)
        if raw is not None:
            asset = Asset.model_validate_json(raw)
        else:

            async def attempt() -> Asset:
                body: bytes = await self._files().download(key)
                try:
                    return Asset.model_validate_json(body)
                except ValidationError as exc:
                    raise _Corrupt(f"memo {key} is not an Asset") from exc

            try:
                asset = await self._call(f"download {key}", attempt)
            except NotFound:
                return None
            await asyncio.to_thread(_atomic_write, cached, asset.model_dump_json().encode())
        # A memo pointing at a vanished object is a miss, not a broken asset.
        return asset if await self.exists(asset) else None

    async def remember(self, memo_key: str, asset: Asset) -> None:
        key = memo_object_key(memo_key)
        body = asset.model_dump_json().encode()
        await self.ensure_bucket()
        # Upsert: a memo key may be re-pointed (e.g. after the object vanished).
        options: FileOptions = {
            "content-type": "application/json",
            "cache-control": "no-cache",
            "upsert": "true",
        }
        await self._call(f"upload {key}", lambda: self._files().upload(key, body, options))
        await asyncio.to_thread(_atomic_write, self.cache.root / key, body)

    def scratch(self) -> AbstractAsyncContextManager[Path]:
        """A local temporary folder inside the cache (moves into it are renames)."""
        return self.cache.scratch()

    async def sweep_scratch(self) -> list[Path]:
        return await self.cache.sweep_scratch()
