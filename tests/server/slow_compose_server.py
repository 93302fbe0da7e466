"""`python -m tests.server.slow_compose_server DATA_DIR PORT`: the API (dev mode) on the fast
toolbox, whose composer runs one real-time FFmpeg encode through the product's own runner
inside a storage scratch folder, for a minute: a server killed mid-compose leaves exactly
what a real one would (a running FFmpeg child, a scratch folder).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from aistudio.artifacts import AspectRatio, Output, ProductProfile, RenderPlan, ShotVisual
from aistudio.server.app import create_app
from aistudio.tools.ffmpeg.runner import run_ffmpeg
from tests.server.conftest import server_settings
from tests.server.fakes import TinyComposer, fast_toolbox

COMPOSE_S = 60
MARKER = "testsrc=size=64x64:rate=5"  # how the test finds this FFmpeg among processes


class SlowComposer(TinyComposer):
    async def compose(
        self,
        plan: RenderPlan,
        product: ProductProfile,
        visuals: Sequence[ShotVisual],
        audio: Path | None,
        aspect: AspectRatio,
        on_progress: Callable[[float], None] | None = None,
    ) -> Output:
        async with self.storage.scratch() as scratch:
            # -re: read the source in real time, so the encode lasts COMPOSE_S seconds.
            source = f"{MARKER}:duration={COMPOSE_S}"
            argv = [self.ffmpeg.binary, "-hide_banner", "-loglevel", "error", "-re"]
            argv += ["-f", "lavfi", "-i", source, "-y", str(scratch / "slow.mp4")]
            await run_ffmpeg(argv, timeout_s=COMPOSE_S * 2)
        return await super().compose(plan, product, visuals, audio, aspect, on_progress)


def main(data_dir: Path, port: int) -> None:
    settings = server_settings(data_dir, dev_mode=True)
    tools = fast_toolbox(settings)
    composer = SlowComposer(tools.storage, tools.stills, tools.ffmpeg, settings.render)
    app = create_app(settings, toolbox=dataclasses.replace(tools, composer=composer))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
