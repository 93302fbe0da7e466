"""Pure builders: the camera moves over a still, as ffmpeg filter expressions.

Pans and hand-held moves are pure `crop`s of the oversized keyframe (pointer arithmetic,
~0.1 s for 12 s of 1080x1920); zooms are a per-frame bilinear `scale` + `crop` (measured
1.5 s vs 1.9 s for `zoompan` on the same 12 s).
"""

from __future__ import annotations

import math
import random

from aistudio.tools.ffmpeg.spec import StillMove
from aistudio.tools.ffmpeg.transitions import YUV420

ZOOM_MOVES: frozenset[StillMove] = frozenset({"push_in", "pull_out", "orbit", "parallax"})


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _ease(frames: int, n: str) -> str:
    """smoothstep(progress) as an ffmpeg expression of the frame number `n`."""
    last = max(frames - 1, 1)
    p = f"min({n}/{last},1)"
    return f"({p}*{p}*(3-2*{p}))"


def zoom_range(move: StillMove, headroom: float) -> tuple[float, float]:
    """(first, last) zoom of a zooming move, eased between; 1 = the whole keyframe."""
    top = headroom * 0.97  # stop just short of 1:1 pixels
    if move == "push_in":
        return 1.0, top
    if move == "pull_out":
        return top, 1.0
    if move == "orbit":
        return 1.06, 1.06 + max(0.0, min(top, 1.12) - 1.06)
    return 1.03, 1.03 + max(0.0, top - 1.05)  # parallax: closes in while drifting across


def zoom_expressions(
    move: StillMove, frames: int, size: tuple[int, int], headroom: float, n: str = "n"
) -> tuple[str, str, str, str]:
    """(scaled width, scaled height, crop x, crop y) for a zooming move at shot frame `n`
    (an expression).

    A scaler whose size changes per frame leaves the next filter with the size the link
    had when the graph was set up: `crop` reads it as iw/ih and clamps its window to it.
    So the window is placed from the scaled size computed again here, and the set-up size
    (scale's frame count n is 0 then, >= 1 on frames) is the largest the zoom reaches, so
    the clamp never bites. (Placed from iw/ih and clamped to the first frame's size, the
    push-in zoomed towards the top-left corner and the parallax barely drifted.)"""
    w, h = size
    first, last = zoom_range(move, headroom)
    e = _ease(frames, n)
    zoom = f"({_num(first)}+({_num(last - first)})*{e})"
    if move == "orbit":
        fx, fy = f"(0.5-0.42*cos(PI*{e}))", f"(0.5-0.1*sin(PI*{e}))"
    elif move == "parallax":
        fx, fy = f"(0.3+0.4*{e})", f"(0.58-0.16*{e})"
    else:
        fx, fy = "0.5", "0.5"
    scaled_w, scaled_h = f"2*trunc({w}*{zoom}/2)", f"2*trunc({h}*{zoom}/2)"
    widest = max(first, last)
    set_up_w, set_up_h = 2 * math.trunc(w * widest / 2), 2 * math.trunc(h * widest / 2)
    return (
        f"if(gte(n,1),{scaled_w},{set_up_w})",
        f"if(gte(n,1),{scaled_h},{set_up_h})",
        f"({scaled_w}-{w})*{fx}",
        f"({scaled_h}-{h})*{fy}",
    )


def crop_expressions(
    move: StillMove, frames: int, fps: int, seed: int, n: str = "n"
) -> tuple[str, str]:
    """(x, y) of a frame-sized window moving over the 1:1 keyframe (pans, hand-held)."""
    e = _ease(frames, n)
    if move == "settle":  # rises a little into the centre and comes to rest
        return "(iw-ow)/2", f"(ih-oh)*(0.8-0.3*{e})"
    if move == "pan_left":  # 15 %..85 % of the range keeps the product whole throughout
        return f"(iw-ow)*(0.85-0.7*{e})", "(ih-oh)/2"
    if move == "pan_right":
        return f"(iw-ow)*(0.15+0.7*{e})", "(ih-oh)/2"
    # hand-held: smooth pseudo-random drift from a few incommensurate sines, seeded per
    # shot so consecutive shots don't shake identically; amplitude well inside the headroom.
    rng = random.Random(seed)
    ph = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
    f1, f2 = rng.uniform(0.35, 0.55), rng.uniform(0.9, 1.4)
    t = f"({n}/{fps})"
    x = (
        f"(iw-ow)*(0.5+0.2*sin(2*PI*{_num(f1)}*{t}+{_num(ph[0])})"
        f"+0.07*sin(2*PI*{_num(f2)}*{t}+{_num(ph[1])}))"
    )
    y = (
        f"(ih-oh)*(0.5+0.2*sin(2*PI*{_num(f1 * 0.83)}*{t}+{_num(ph[2])})"
        f"+0.07*sin(2*PI*{_num(f2 * 1.1)}*{t}+{_num(ph[3])}))"
    )
    return x, y


def still_motion(
    move: StillMove,
    frames: int,
    size: tuple[int, int],
    fps: int,
    headroom: float,
    seed: int,
    start: int = 0,
) -> str:
    """The filters moving a `size` window over the still, from frame `start` of the shot.

    The frame number comes from the timestamp (frame k of the piece is at k/fps): scale's
    own frame count runs ahead of the frame it is scaling near the end of a stream, which
    put the last frames' zoom out of step with their crop."""
    w, h = size
    n = f"(round(t*{fps})+{start})" if start else f"round(t*{fps})"
    if move in ZOOM_MOVES:
        scaled_w, scaled_h, x, y = zoom_expressions(move, frames, size, headroom, n)
        # format pins the scaler's output: left free it would pick whatever the next
        # multi-input filter asks for and convert every frame to it. exact=1: the window
        # moves in 1-pixel steps (a 4:2:0 crop rounds to 2).
        return (
            f"scale=w='{scaled_w}':h='{scaled_h}':eval=frame:flags=bilinear,{YUV420},"
            f"crop={w}:{h}:x='{x}':y='{y}':exact=1"
        )
    x, y = crop_expressions(move, frames, fps, seed, n)
    return f"crop={w}:{h}:x='{x}':y='{y}'"
