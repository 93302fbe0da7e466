"""API and worker processes for multi-process tests and benches, configured by the
environment (AISTUDIO_*, as in production) plus a toolbox choice:

  python -m tests.server.procs api --port 8123 --tools fast
  python -m tests.server.procs worker --tools replay

Toolboxes: `fast` (tests/server/fakes.py), `slow` (fast, but compose takes a minute),
`replay` (fast, and every tool call but the
video encode answered from its first result: bench/api.py's), `hosted` (replay, with the
configured hosted video provider: the fal fake in the chaos test). `replay` keeps the
first results on disk (`<data>/replay/`), so a restarted process does not load the vision
models again.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import pickle
from pathlib import Path
from typing import Any, cast

from aistudio.settings import Settings
from aistudio.tools.toolbox import Toolbox, build_toolbox
from tests.server.fakes import fast_toolbox

REPLAYED = ("ingestor", "moderator", "inspector", "ffmpeg", "stills")


class DiskReplay:
    """Wraps a tool: each async method runs for real once (in whichever process gets there
    first), then answers with that result, kept in memory and on disk."""

    def __init__(self, tool: Any, folder: Path, name: str) -> None:
        self._tool = tool
        self._folder = folder
        self._name = name
        self._results: dict[str, Any] = {}

    def __getattr__(self, method: str) -> Any:
        attr = getattr(self._tool, method)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        @functools.wraps(attr)
        async def replayed(*args: Any, **kwargs: Any) -> Any:
            if method in self._results:
                return self._results[method]
            path = self._folder / f"{self._name}.{method}.pickle"
            if path.exists():
                result = pickle.loads(path.read_bytes())  # noqa: S301 - our own file
            else:
                result = await attr(*args, **kwargs)
                self._folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{id(self)}.tmp")
                tmp.write_bytes(pickle.dumps(result))
                tmp.replace(path)
            self._results[method] = result
            return result

        return replayed


def replay_toolbox(settings: Settings, tools: Toolbox) -> Toolbox:
    folder = settings.data_dir / "replay"
    swapped = {name: cast(Any, DiskReplay(getattr(tools, name), folder, name)) for name in REPLAYED}
    return dataclasses.replace(tools, **swapped)


def toolbox(kind: str, settings: Settings) -> Toolbox:
    if kind == "slow":  # compose takes a minute: a window to kill the process in
        return fast_toolbox(settings, compose_delay_s=60)
    fast = fast_toolbox(settings)
    if kind == "fast":
        return fast
    replayed = replay_toolbox(settings, fast)
    if kind == "replay":
        return replayed
    if kind == "hosted":
        return dataclasses.replace(replayed, video=build_toolbox(settings).video)
    raise SystemExit(f"unknown toolbox {kind!r}")


def _toolbox_factory(kind: str) -> Any:
    return functools.partial(toolbox, kind)


def serve_api(port: int, kind: str) -> None:
    import uvicorn

    from aistudio.server.app import create_app

    settings = Settings()
    app = create_app(settings, toolbox=toolbox(kind, settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_worker(kind: str) -> None:
    from aistudio.jobs.worker import serve_worker as serve

    asyncio.run(serve(Settings(), _toolbox_factory(kind)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("api", "worker"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tools", default="fast")
    args = parser.parse_args()
    if args.role == "api":
        serve_api(args.port, args.tools)
    else:
        serve_worker(args.tools)


if __name__ == "__main__":
    main()
