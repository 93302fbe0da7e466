"""Content-addressed local filesystem storage with atomic writes.

Layout under the root:
  objects/<kind>/<sha[:2]>/<sha>.<ext>   the bytes, named by their sha256
  memo/<sha of memo key>.json            memo key -> Asset (lets re-runs reuse work)
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

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


_OWNER = ".owner"
# A folder without its lock file is being made right now (mkdtemp, then the lock) or was
# left by an older release; only the latter is this old.
_UNCLAIMED_GRACE_S = 600.0


def _claim_scratch(tmp: Path) -> tuple[Path, IO[bytes]]:
    tmp.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=tmp))
    owner = (folder / _OWNER).open("wb")
    fcntl.flock(owner.fileno(), fcntl.LOCK_EX)  # a fresh file: never contended
    return folder, owner


def _release_scratch(folder: Path, owner: IO[bytes]) -> None:
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        owner.close()


def _sweep_scratch(tmp: Path) -> list[Path]:
    if not tmp.is_dir():
        return []
    removed = []
    for folder in tmp.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        try:
            owner = (folder / _OWNER).open("rb")
        except FileNotFoundError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - folder.stat().st_mtime > _UNCLAIMED_GRACE_S:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
            continue
        with owner:
            try:
                fcntl.flock(owner.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live process is using it
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


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

    async def delete(self, keys: Sequence[str]) -> None:
        def _unlink() -> None:
            for key in keys:
                (self.root / key).unlink(missing_ok=True)

        await asyncio.to_thread(_unlink)

    @asynccontextmanager
    async def scratch(self) -> AsyncIterator[Path]:
        """A private temporary folder on the same filesystem (so moves into the store are
        renames), removed with whatever is left in it when the block ends.

        While the block runs, the folder's `.owner` file is flock()ed: a process killed
        inside the block leaves the folder behind, but the kernel drops its lock, which is
        how `sweep_scratch` (at the next start-up) tells it from one still in use, even by
        another server sharing this data folder."""
        folder, owner = await asyncio.to_thread(_claim_scratch, self.root / "tmp")
        try:
            yield folder
        finally:
            await asyncio.to_thread(_release_scratch, folder, owner)

    async def sweep_scratch(self) -> list[Path]:
        """Remove the scratch folders no live process holds (left by a killed run)."""
        return await asyncio.to_thread(_sweep_scratch, self.root / "tmp")
