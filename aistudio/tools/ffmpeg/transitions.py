"""Pure builder: the transition at one seam, as filtergraph chains.

`xfade` only works on unsubsampled formats, so each frame it makes costs two conversions
to 4:4:4 and one back (swscale, on the filter thread) besides its blend: at every seam the
encoder ran dry waiting for those frames (~0.2 s of wall time per seam, measured). The two
fades the planner uses are made here in 4:2:0 from cheap per-frame filters instead, with
xfade's own formulas (p: xfade's progress, 1 -> 0 over the seam's frames; xfade's black is
Y=0, U=V=128):

    fade       out = p·A + (1-p)·B
    fadeblack  out = p·(s1·A + (1-s1)·black) + (1-p)·(s2·black + (1-s2)·B)
               s1 = smoothstep(0.8, 1, p), s2 = smoothstep(0.2, 1, p)

(1-p) is B's alpha (a linear alpha fade-in, then one overlay on A); the fades towards black
are `eq` curves evaluated per frame. Both land within one code value of xfade's output. The
slides still go through xfade (on their seam frames only).
"""

from __future__ import annotations

from aistudio.artifacts import TransitionKind

XFADE: dict[TransitionKind, str] = {
    "fade": "fade",
    "fadeblack": "fadeblack",
    "slideleft": "slideleft",
    "slideup": "slideup",
}
# Limited-range 4:2:0 throughout, pinned where a format is chosen: left open, ffmpeg would
# negotiate whatever one sink prefers (the poster's JPEG wants full range) for the whole graph.
YUV420 = "format=pix_fmts=yuv420p:color_ranges=tv"


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def smoothstep(edge0: float, edge1: float, x: str) -> str:
    """GLSL smoothstep as an ffmpeg expression (xfade's own helper)."""
    t = f"clip(({x}-{_num(edge0)})/{_num(edge1 - edge0)},0,1)"
    return f"({t}*{t}*(3-2*{t}))"


def toward_black(weight: str) -> str:
    """`eq` keeping `weight` (an expression of the frame number n) of the picture and the
    rest xfade's black: luma round(w·Y), chroma within 1 of 128 + w·(C-128).

    eq's exact table path is taken when its gamma isn't 1 (gamma_weight=0 keeps the gamma
    itself out); contrast·255/256 and the brightness offset undo the table's 256/255 scale.
    """
    c = f"({weight})*255/256"
    return (
        f"eq=contrast='{c}':brightness='{c}/2-0.5+1/512':saturation='{c}'"
        ":gamma=1.0001:gamma_r=1.0001:gamma_b=1.0001:gamma_weight=0:eval=frame"
    )


def seam_chains(
    kind: TransitionKind,
    tail: str,
    head: str,
    frames: int,
    fps: int,
    out: str,
    *,
    native: bool = True,
) -> list[str]:
    """Chains turning [tail] (the outgoing shot's last `frames`) and [head] (the incoming
    shot's first `frames`), both starting at t=0, into [out]: the transition, in 4:2:0.

    The native fades end in an `overlay`, which reads both inputs as soon as it can: fine
    for pieces made on their own, but a piece trimmed out of a whole decode would make the
    decode run ahead. `native=False` keeps xfade there, which only reads when asked."""
    duration = _num(frames / fps)
    if not native or kind not in ("fade", "fadeblack"):
        return [
            f"[{tail}][{head}]xfade=transition={XFADE[kind]}:duration={duration}"
            f":offset=0,{YUV420}[{out}]"
        ]
    p = f"(1-n/{frames})"
    incoming = f"format=pix_fmts=yuva420p:color_ranges=tv,fade=t=in:st=0:d={duration}:alpha=1"
    if kind == "fade":
        chains = [f"[{head}]{incoming}[{out}b]", f"[{tail}]null[{out}a]"]
    else:
        chains = [
            f"[{tail}]{toward_black(smoothstep(0.8, 1, p))}[{out}a]",
            f"[{head}]{toward_black('1-' + smoothstep(0.2, 1, p))},{incoming}[{out}b]",
        ]
    return [*chains, f"[{out}a][{out}b]overlay=format=yuv420,{YUV420}[{out}]"]
