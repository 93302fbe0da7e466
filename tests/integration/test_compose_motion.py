"""Real FFmpeg on the composition's building blocks: a zoom made of pieces stays where it
was aimed across the piece boundaries, and the 4:2:0 fades give xfade's frames."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aistudio.artifacts import TransitionKind
from aistudio.tools.ffmpeg.motion import still_motion
from aistudio.tools.ffmpeg.transitions import seam_chains

SIZE = (180, 320)  # the frame; keyframes are 1.2x larger, as the local renderer makes them
KEYFRAME = (216, 384)


async def _frames(ffmpeg: str, inputs: list[Path], graph: str, out: str) -> np.ndarray:
    """Every frame of [out] as grey (luma) planes."""
    argv = [ffmpeg, "-v", "error"]
    for path in inputs:
        argv += ["-framerate", "30", "-i", str(path)]
    argv += [
        "-filter_complex",
        graph,
        "-map",
        f"[{out}]",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
    ]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    data, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    w, h = SIZE
    return np.frombuffer(data, np.uint8).reshape(-1, h, w)


@pytest.mark.parametrize("move", ["push_in", "pull_out"])
async def test_a_zoom_in_pieces_stays_centred(move: str, ffmpeg_exe: str, tmp_path: Path) -> None:
    # a dot in the middle of the keyframe must stay in the middle of every frame
    dot = np.zeros((KEYFRAME[1], KEYFRAME[0], 3), np.uint8)
    cy, cx = KEYFRAME[1] // 2, KEYFRAME[0] // 2
    dot[cy - 3 : cy + 3, cx - 3 : cx + 3] = 255
    Image.fromarray(dot).save(tmp_path / "dot.png")
    pieces = ((0, 10), (10, 40), (50, 10))  # head, body, tail of a 60-frame shot
    chains = ["[0:v]format=yuv420p,split=3" + "".join(f"[s{i}]" for i in range(3))]
    for i, (start, count) in enumerate(pieces):
        motion = still_motion(move, 60, SIZE, 30, 1.2, 0, start)  # type: ignore[arg-type]
        chains.append(
            f"[s{i}]loop=loop={count - 1}:size=1:start=0,setpts=N/(30*TB),"
            f"{motion},trim=end_frame={count}[p{i}]"
        )
    chains.append("[p0][p1][p2]concat=n=3:v=1:a=0[out]")
    frames = await _frames(ffmpeg_exe, [tmp_path / "dot.png"], ";".join(chains), "out")
    assert len(frames) == 60
    centres = [np.argwhere(f > 100).mean(axis=0) for f in frames]
    assert all(abs(y - SIZE[1] / 2) <= 1.5 and abs(x - SIZE[0] / 2) <= 1.5 for y, x in centres), (
        centres
    )
    sizes = [int((f > 100).sum()) for f in frames]
    grows = sizes[-1] > sizes[0] if move == "push_in" else sizes[-1] < sizes[0]
    assert grows, sizes  # and it does zoom


@pytest.mark.parametrize("kind", ["fade", "fadeblack"])
async def test_4_2_0_fades_give_xfades_frames(
    kind: TransitionKind, ffmpeg_exe: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    paths = []
    for name in ("a", "b"):
        picture = rng.integers(40, 220, (SIZE[1] // 8, SIZE[0] // 8, 3), dtype=np.uint8)
        big = Image.fromarray(picture).resize(SIZE, Image.Resampling.BILINEAR)
        big.save(tmp_path / f"{name}.png")
        paths.append(tmp_path / f"{name}.png")
    shots = (
        "[0:v]format=yuv420p,loop=loop=14:size=1:start=0,setpts=N/(30*TB)[t0];"
        "[1:v]format=yuv420p,loop=loop=14:size=1:start=0,setpts=N/(30*TB)[h1];"
    )
    native = await _frames(
        ffmpeg_exe, paths, shots + ";".join(seam_chains(kind, "t0", "h1", 15, 30, "m")), "m"
    )
    reference = await _frames(
        ffmpeg_exe,
        paths,
        shots + ";".join(seam_chains(kind, "t0", "h1", 15, 30, "m", native=False)),
        "m",
    )
    assert native.shape == reference.shape == (15, SIZE[1], SIZE[0])
    difference = np.abs(native.astype(int) - reference.astype(int))
    assert difference.max() <= 3, difference.max(axis=(1, 2))
    assert difference.mean() < 0.6
