"""Content-addressed local filesystem storage with atomic writes.

Layout under the root:
  objects/<kind>/<sha[:2]>/<sha>.<ext>   the bytes, named by their sha256
  memo/<sha of memo key>.json            memo key -> Asset (lets re-runs reuse work)
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aistudio.artifacts import Asset, AssetKind
from aistudio.errors import NotFound

_CHUNK = 1 << 20


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalStorage:
    """The embedded default `Storage`: files on the local disk."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = root / "objects"
        self._memo = root / "memo"

    # -- writing -----------------------------------------------------------------------
    def _key(self, kind: AssetKind, sha: str, ext: str) -> str:
        return f"objects/{kind}/{sha[:2]}/{sha}.{ext.lstrip('.')}"

    async def put_bytes(
        self, data: bytes, *, kind: AssetKind, mime: str, ext: str, **facts: Any
    ) -> Asset:
        sha = hashlib.sha256(data).hexdigest()
        key = self._key(kind, sha, ext)
        dest = self.root / key
        if not dest.exists():
            await asyncio.to_thread(_atomic_write, dest, data)
        return Asset(key=key, kind=kind, mime=mime, sha256=sha, size_bytes=len(data), **facts)

    async def put_file(
        self, path: Path, *, kind: AssetKind, mime: str, ext: str, move: bool = True, **facts: Any
    ) -> Asset:
        """Store a file produced on disk (e.g. by ffmpeg) without reading it into memory."""

        def _store() -> Asset:
            sha = _sha256_file(path)
            key = self._key(kind, sha, ext)
            dest = self.root / key
            size = path.stat().st_size
            if dest.exists():
                if move:
                    path.unlink()
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".tmp-{dest.name}")
                if move:
                    shutil.move(str(path), tmp)
                else:
                    shutil.copyfile(path, tmp)
                tmp.replace(dest)
            return Asset(key=key, kind=kind, mime=mime, sha256=sha, size_bytes=size, **facts)

        return await asyncio.to_thread(_store)

    # -- reading -----------------------------------------------------------------------
    async def path_of(self, asset: Asset) -> Path:
        """A local path to read the asset from (ffmpeg and OpenCV need files)."""
        path = self.root / asset.key
        if not path.exists():
            raise NotFound(f"asset {asset.key} is missing from storage")
        return path

    async def read_bytes(self, asset: Asset) -> bytes:
        return await asyncio.to_thread((await self.path_of(asset)).read_bytes)

    async def exists(self, asset: Asset) -> bool:
        return (self.root / asset.key).exists()

    async def export(self, asset: Asset, dest: Path) -> Path:
        """Copy an asset to a user-facing location (hard link when possible)."""
        src = await self.path_of(asset)

        def _copy() -> None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".tmp-{dest.name}")
            tmp.unlink(missing_ok=True)
            try:
                os.link(src, tmp)
            except OSError:
                shutil.copyfile(src, tmp)
            tmp.replace(dest)

        await asyncio.to_thread(_copy)
        return dest

    # -- memo: content-addressed reuse of finished work ---------------------------------
    def _memo_path(self, memo_key: str) -> Path:
        return self._memo / f"{hashlib.sha256(memo_key.encode()).hexdigest()}.json"

    async def recall(self, memo_key: str) -> Asset | None:
        path = self._memo_path(memo_key)
        if not path.exists():
            return None
        asset = Asset.model_validate_json(await asyncio.to_thread(path.read_bytes))
        return asset if await self.exists(asset) else None

    async def remember(self, memo_key: str, asset: Asset) -> None:
        await asyncio.to_thread(
            _atomic_write, self._memo_path(memo_key), asset.model_dump_json().encode()
        )

    def _new_scratch(self) -> Path:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=tmp))

    @asynccontextmanager
    async def scratch(self) -> AsyncIterator[Path]:
        """A private temporary folder on the same filesystem (so moves into the store are
        renames), removed with whatever is left in it when the block ends."""
        folder = await asyncio.to_thread(self._new_scratch)
        try:
            yield folder
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
