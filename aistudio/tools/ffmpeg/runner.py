"""Async FFmpeg runner: timeout, progress from `-progress pipe:1`, typed errors, clean kill.

FFmpeg dies with the process that started it: it runs under `setpriv --pdeathsig KILL`
(util-linux, on every Debian), so the kernel kills it the moment its parent dies, even by
SIGKILL, where nothing of ours could run. A `preexec_fn` calling prctl() would do the same
without the helper binary, but it forces a real fork() of the whole server (~30 ms of CPU
per spawn at 1.5 GB resident, against ~1 ms for the exec of setpriv).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
from collections import deque
from collections.abc import Callable, Sequence

from aistudio.errors import FFmpegError

log = logging.getLogger("aistudio.ffmpeg")
_TAIL_LINES = 60
_wrapper: tuple[str, ...] | None = None  # the argv prefix, found once per process


def _find_wrapper() -> tuple[str, ...]:
    setpriv = shutil.which("setpriv") if sys.platform == "linux" else None
    if setpriv is None:
        log.warning("setpriv not found: ffmpeg will outlive a killed server by its run time")
        return ()
    return (setpriv, "--pdeathsig", "KILL", "--")


async def _spawn(argv: Sequence[str], stdout: int) -> asyncio.subprocess.Process:
    """Start ffmpeg in its own process group (so filter threads and helpers die with it on
    a kill), tied to this process's life (see the module docstring)."""
    global _wrapper  # noqa: PLW0603 - a per-process constant, resolved on first use
    if _wrapper is None:
        _wrapper = await asyncio.to_thread(_find_wrapper)
    return await asyncio.create_subprocess_exec(
        *_wrapper,
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


async def run_ffmpeg(
    argv: Sequence[str],
    *,
    timeout_s: float,
    duration_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> str:
    """Run ffmpeg; return its stderr (analysis filters report there).

    Progress is read from stdout when the argv contains `-progress pipe:1`.
    """
    proc = await _spawn(argv, asyncio.subprocess.PIPE)
    out_pipe, err_pipe = proc.stdout, proc.stderr
    if out_pipe is None or err_pipe is None:  # cannot happen with PIPE; keeps mypy honest
        raise RuntimeError("ffmpeg pipes were not opened")
    stderr_lines: deque[str] = deque(maxlen=4000)

    async def read_progress() -> None:
        async for raw in out_pipe:
            line = raw.decode(errors="replace").strip()
            if on_progress and duration_s and line.startswith("out_time_us="):
                value = line.partition("=")[2]
                if value.isdigit():
                    on_progress(min(1.0, int(value) / 1e6 / duration_s))

    async def read_stderr() -> None:
        async for raw in err_pipe:
            stderr_lines.append(raw.decode(errors="replace").rstrip())

    readers = asyncio.gather(read_progress(), read_stderr())
    try:
        async with asyncio.timeout(timeout_s):
            await readers
            code = await proc.wait()
    except TimeoutError as exc:
        _kill(proc)
        await proc.wait()
        tail = "\n".join(list(stderr_lines)[-_TAIL_LINES:])
        raise FFmpegError(
            f"ffmpeg timed out after {timeout_s:.0f}s", argv=argv, stderr_tail=tail
        ) from exc
    except asyncio.CancelledError:
        _kill(proc)
        await proc.wait()
        readers.cancel()
        raise
    stderr = "\n".join(stderr_lines)
    if code != 0:
        tail = "\n".join(list(stderr_lines)[-_TAIL_LINES:])
        log.warning("ffmpeg failed (%s): %s", code, tail[-500:])
        raise FFmpegError(f"ffmpeg exited with code {code}", argv=argv, stderr_tail=tail)
    if on_progress:
        on_progress(1.0)
    return stderr


async def ffmpeg_stdout(argv: Sequence[str], *, timeout_s: float) -> str:
    """Run a short informational ffmpeg command (-version, -encoders) and return its stdout,
    where those listings go; the same typed errors as `run_ffmpeg`."""
    proc = await _spawn(argv, asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(timeout_s):
            out, err = await proc.communicate()
    except TimeoutError as exc:
        _kill(proc)
        await proc.wait()
        raise FFmpegError(
            f"ffmpeg timed out after {timeout_s:.0f}s", argv=argv, stderr_tail=""
        ) from exc
    except asyncio.CancelledError:
        _kill(proc)
        await proc.wait()
        raise
    if proc.returncode != 0:
        tail = err.decode(errors="replace")[-4000:]
        raise FFmpegError(f"ffmpeg exited with code {proc.returncode}", argv=argv, stderr_tail=tail)
    return out.decode(errors="replace")
