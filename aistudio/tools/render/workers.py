"""The worker threads the stills are drawn on.

Keyframes, end cards and captions are CPU-bound (PIL, numpy) and are drawn while the
soundtrack is made. On asyncio's default executor a burst of them queued the voice-over
lines (the render's critical path) behind them; on their own threads they don't, and the
machine's last core stays free for the soundtrack while both run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


STILL_WORKERS = max(1, _cores() - 1)
_executor = ThreadPoolExecutor(max_workers=STILL_WORKERS, thread_name_prefix="stills")


async def stills_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn(*args, **kwargs)` on a stills worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_executor, partial(fn, *args, **kwargs))
