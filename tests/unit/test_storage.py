"""Local storage: content addressing, atomic writes, memo reuse, export."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aistudio.errors import NotFound
from aistudio.tools.storage.local import LocalStorage


async def test_put_bytes_is_content_addressed(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    a = await storage.put_bytes(b"hello", kind="plan", mime="application/json", ext="json")
    b = await storage.put_bytes(b"hello", kind="plan", mime="application/json", ext="json")
    assert a == b
    assert a.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert a.key.endswith(f"{a.sha256}.json")
    assert await storage.read_bytes(a) == b"hello"
    assert not list((tmp_path / "objects").rglob(".tmp-*"))


async def test_put_file_moves_and_dedups(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    src = tmp_path / "clip.bin"
    src.write_bytes(b"x" * 3000)
    asset = await storage.put_file(src, kind="video", mime="video/mp4", ext="mp4", width=10)
    assert not src.exists()
    assert asset.size_bytes == 3000 and asset.width == 10
    again = tmp_path / "again.bin"
    again.write_bytes(b"x" * 3000)
    assert (
        await storage.put_file(again, kind="video", mime="video/mp4", ext="mp4", width=10) == asset
    )
    assert not again.exists()


async def test_memo_recall_and_missing_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert await storage.recall("k") is None
    asset = await storage.put_bytes(b"data", kind="keyframe", mime="image/png", ext="png")
    await storage.remember("k", asset)
    assert await storage.recall("k") == asset
    (await storage.path_of(asset)).unlink()
    # A memo pointing at a vanished object is a miss, not a broken asset.
    assert await storage.recall("k") is None
    with pytest.raises(NotFound):
        await storage.path_of(asset)


async def test_export_copies_to_a_named_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "s")
    asset = await storage.put_bytes(b"mp4", kind="video", mime="video/mp4", ext="mp4")
    dest = await storage.export(asset, tmp_path / "out" / "video.mp4")
    assert dest.read_bytes() == b"mp4"
    await storage.export(asset, dest)  # idempotent
    assert dest.read_bytes() == b"mp4"


async def test_scratch_folder_is_removed_after_use(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    async with storage.scratch() as scratch:
        (scratch / "left-over.wav").write_bytes(b"RIFF")
        kept = await storage.put_bytes(b"kept", kind="plan", mime="text/plain", ext="txt")
        assert scratch.is_dir()
    assert not scratch.exists()
    assert await storage.read_bytes(kept) == b"kept"


async def test_scratch_folder_is_removed_on_error(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    seen: list[Path] = []

    async def fail_midway() -> None:
        async with storage.scratch() as scratch:
            seen.append(scratch)
            (scratch / "half.mp4").write_bytes(b"\0")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()
    assert seen
    assert not seen[0].exists()


_DIE_INSIDE_SCRATCH = """
import asyncio, os, signal, sys
from pathlib import Path
from aistudio.tools.storage.local import LocalStorage

async def main() -> None:
    async with LocalStorage(Path(sys.argv[1])).scratch() as scratch:
        (scratch / "half.mp4").write_bytes(b"\\0")
        print(scratch, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_sweep_removes_scratch_of_dead_processes_only(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert asyncio.run(storage.sweep_scratch()) == []  # no tmp folder yet
    died = subprocess.run(
        [sys.executable, "-c", _DIE_INSIDE_SCRATCH, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    dead = Path(died.stdout.strip())
    assert (dead / "half.mp4").exists()  # a killed run leaves its folder behind

    async def sweep_beside_a_live_scratch() -> tuple[Path, list[Path]]:
        async with storage.scratch() as live:
            # `live` is held (by this process, through another open file: flock locks
            # conflict between open files, as between processes).
            return live, await storage.sweep_scratch()

    live, swept = asyncio.run(sweep_beside_a_live_scratch())
    assert swept == [dead] and not dead.exists()
    assert not live.exists()  # removed by its own block, not by the sweep
    assert asyncio.run(storage.sweep_scratch()) == []


async def test_sweep_leaves_young_unclaimed_folders_and_removes_old_ones(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    young, old = tmp_path / "tmp" / "being-made", tmp_path / "tmp" / "from-an-old-release"
    young.mkdir(parents=True)
    old.mkdir()
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    assert await storage.sweep_scratch() == [old]
    assert young.is_dir()
