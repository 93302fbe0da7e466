"""Chooses the `Storage` implementation from settings, once, at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from aistudio.errors import ToolUnavailable
from aistudio.settings import Settings
from aistudio.tools.protocols import Storage
from aistudio.tools.storage.local import LocalStorage


@runtime_checkable
class RemoteStorage(Protocol):
    """A `Storage` backed by a service: it has a start-up check and connections to close."""

    async def ensure_bucket(self) -> None: ...

    async def aclose(self) -> None: ...


async def start_storage(storage: Storage) -> None:
    """Start-up hook (server lifespan, worker start, CLI): fail fast on a bad Supabase URL
    or key and create the bucket if missing. A no-op for local storage."""
    if isinstance(storage, RemoteStorage):
        await storage.ensure_bucket()


async def close_storage(storage: Storage) -> None:
    """Shutdown hook: close the HTTP connections. A no-op for local storage."""
    if isinstance(storage, RemoteStorage):
        await storage.aclose()


def supabase_cache_dir(settings: Settings) -> Path:
    """Where Supabase-backed objects are cached as files (FFmpeg and OpenCV read them)."""
    return settings.data_dir / "supabase-cache"


def build_storage(settings: Settings) -> Storage:
    """Local files unless `storage_backend == "supabase"` (AISTUDIO_STORAGE_BACKEND).

    Supabase needs AISTUDIO_SUPABASE__URL and SUPABASE_KEY (a service-role key). Building it
    sends no request; the bucket is checked/created by `SupabaseStorage.ensure_bucket()`,
    at start-up or lazily on the first write.
    """
    if settings.storage_backend != "supabase":
        return LocalStorage(settings.storage_dir)
    cfg = settings.supabase
    missing = [
        name
        for name, value in (
            ("AISTUDIO_SUPABASE__URL", cfg.url),
            ("SUPABASE_KEY", settings.supabase_key),
        )
        if not value
    ]
    if missing or cfg.url is None or settings.supabase_key is None:
        raise ToolUnavailable(
            f"storage_backend=supabase needs {' and '.join(missing)} "
            f"(or set AISTUDIO_STORAGE_BACKEND=local)"
        )
    # Imported here: the supabase SDK (auth, realtime, postgrest) is heavy, and local
    # installs never need it.
    from aistudio.tools.storage.supabase import SupabasePolicy, SupabaseStorage

    return SupabaseStorage(
        cfg.url,
        settings.supabase_key.get_secret_value(),
        bucket=cfg.bucket,
        cache_dir=supabase_cache_dir(settings),
        signed_url_ttl_s=cfg.signed_url_ttl_s,
        policy=SupabasePolicy(timeout_s=cfg.timeout_s),
    )
