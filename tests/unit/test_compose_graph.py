"""The composition's filtergraph and argv (pure builders; no ffmpeg runs)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from aistudio.tools.ffmpeg.compose import build_compose_argv, build_filtergraph, poster_frame
from aistudio.tools.ffmpeg.motion import crop_expressions, zoom_expressions, zoom_range
from aistudio.tools.ffmpeg.spec import (
    ClipShot,
    ComposeSpec,
    OverlayImage,
    StillShot,
    TransitionSpec,
)
from aistudio.tools.ffmpeg.transitions import YUV420, seam_chains, smoothstep, toward_black


def _spec(**changes: object) -> ComposeSpec:
    base: dict[str, object] = {
        "width": 1080,
        "height": 1920,
        "fps": 30,
        "shots": (
            StillShot(Path("/s/a.png"), 4.0, "push_in"),
            StillShot(Path("/s/b.png"), 4.0, "pan_left"),
            ClipShot(Path("/s/c.mp4"), 3.0),
            StillShot(Path("/s/end.png"), 2.5, "handheld", seed=7),
        ),
        "transitions": (
            TransitionSpec("fade", 0.5),
            TransitionSpec("slideleft", 0.4),
            TransitionSpec("fadeblack", 0.6),
        ),
        "overlays": (OverlayImage(Path("/s/cap0.png"), 90, 1500, 0.5, 3.5),),
        "audio": Path("/s/master.wav"),
        "duration_s": 12.0,
        "output": Path("/out/v.mp4"),
    }
    base.update(changes)
    return ComposeSpec(**base)  # type: ignore[arg-type]


def _parts(spec: ComposeSpec) -> list[str]:
    return build_filtergraph(spec).split(";")


def _chain(parts: list[str], out: str) -> str:
    return next(p for p in parts if p.endswith(f"[{out}]"))


def _evaluate(expression: str, n: int) -> float:
    """An ffmpeg expression of n built from + - * / and clip(), evaluated in Python."""
    python = expression.replace("clip(", "_clip(")
    names = {"_clip": lambda x, lo, hi: min(max(x, lo), hi), "n": n}
    return float(eval(python, {"__builtins__": {}}, names))  # noqa: S307 - our own output


def test_stills_are_decoded_once_and_made_in_pieces() -> None:
    # 120 | 120 | 90 | 75 frames; seams of 15, 12 and 18 frames
    parts = _parts(_spec())
    # one decode, pinned to limited-range 4:2:0, one reference per piece
    assert f"[0:v]{YUV420},split=2[s0b][s0t]" in parts
    assert f"[1:v]{YUV420},split=3[s1h][s1b][s1t]" in parts
    # each piece loops the still for its own frames, its move offset to its first frame
    body = _chain(parts, "b1")
    assert body.startswith("[s1b]loop=loop=92:size=1:start=0,setpts=N/(30*TB),crop=1080:1920")
    assert "(round(t*30)+15)/119" in body and body.endswith("trim=end_frame=93[b1]")
    tail = _chain(parts, "t1")
    assert tail.startswith("[s1t]loop=loop=11:") and "(round(t*30)+108)/119" in tail
    assert "(round(t*30))" not in _chain(parts, "h1")  # the head starts at frame 0
    # zooms scale per frame (output pinned) and crop to the pixel; pans are pure crops
    assert "eval=frame:flags=bilinear,format=pix_fmts=yuv420p" in _chain(parts, "b0")
    assert ":exact=1" in _chain(parts, "b0")
    assert "scale=" not in body


def test_a_clip_is_fitted_retimed_held_and_cut() -> None:
    parts = _parts(_spec())
    clip = next(p for p in parts if p.startswith("[2:v]"))
    assert clip.startswith(
        "[2:v]scale=1080:1920:force_original_aspect_ratio=increase:"
        "out_range=tv,crop=1080:1920,fps=30"
    )
    # held to exactly its frames (3 s = 90), then cut by frame number
    assert "tpad=stop_mode=clone:stop=90,trim=end_frame=90,split=3[c2h][c2b][c2t]" in clip
    assert "[c2b]trim=start_frame=12:end_frame=72,setpts=PTS-STARTPTS[b2]" in parts


def test_seams_fade_in_4_2_0_between_stills_and_use_xfade_next_to_a_clip() -> None:
    parts = _parts(_spec())
    # still -> still fade: the head fades in (alpha) over the tail, no xfade, no 4:4:4
    assert "[h1]format=pix_fmts=yuva420p:color_ranges=tv,fade=t=in:st=0:d=0.5:alpha=1[m1b]" in parts
    assert f"[m1a][m1b]overlay=format=yuv420,{YUV420}[m1]" in parts
    # a slide, and any seam next to a (split + trim) clip, stay with xfade
    assert f"[t1][h2]xfade=transition=slideleft:duration=0.4:offset=0,{YUV420}[m2]" in parts
    assert f"[t2][h3]xfade=transition=fadeblack:duration=0.6:offset=0,{YUV420}[m3]" in parts
    # bodies and seams in film order, on the one clock the captions are timed against
    assert "[b0][m1][b1][m2][b2][m3][b3]concat=n=7:v=1:a=0,setpts=N/(30*TB)[film]" in parts


def test_fadeblack_between_stills_follows_xfade_formula() -> None:
    chains = seam_chains("fadeblack", "t0", "h1", 15, 30, "m1")
    assert len(chains) == 3 and "xfade" not in ";".join(chains)
    outgoing = re.search(r"contrast='([^']*)'", chains[0])
    incoming = re.search(r"contrast='([^']*)'", chains[1])
    assert outgoing and incoming

    def glsl_smoothstep(edge0: float, edge1: float, x: float) -> float:
        t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
        return t * t * (3 - 2 * t)

    for k in range(15):
        p = 1 - k / 15  # xfade's progress
        s1, s2 = glsl_smoothstep(0.8, 1, p), glsl_smoothstep(0.2, 1, p)
        assert _evaluate(outgoing.group(1), k) == pytest.approx(s1 * 255 / 256)
        assert _evaluate(incoming.group(1), k) == pytest.approx((1 - s2) * 255 / 256)
    # the incoming shot's weight (1 - p) is its alpha, linear over the seam
    assert chains[1].endswith("fade=t=in:st=0:d=0.5:alpha=1[m1b]")
    # black is xfade's: eq's table path (gamma != 1, gamma_weight 0), brightness undoing
    # the table's offset so luma is round(w * Y)
    assert "gamma_weight=0:eval=frame" in toward_black("0.5")
    assert "brightness='(0.5)*255/256/2-0.5+1/512'" in toward_black("0.5")


def test_smoothstep_is_glsl_smoothstep() -> None:
    for x, expected in ((0.1, 0.0), (0.8, 0.0), (0.9, 0.5), (1.0, 1.0), (1.3, 1.0)):
        assert _evaluate(smoothstep(0.8, 1, str(x)), 0) == pytest.approx(expected)


def test_zero_length_transition_is_a_cut() -> None:
    spec = _spec(
        transitions=(
            TransitionSpec("fade", 0.0),
            TransitionSpec("fade", 0.5),
            TransitionSpec("fade", 0.5),
        )
    )
    parts = _parts(spec)
    first = _chain(parts, "b0")  # no seam on either side: one piece, no split
    assert first.startswith(f"[0:v]{YUV420},loop=loop=119:size=1:start=0")
    assert "[b0][b1][m2][b2][m3][b3]concat=n=6:v=1:a=0,setpts=N/(30*TB)[film]" in parts


def test_a_shot_shorter_than_its_transitions_is_rejected() -> None:
    shots = (
        StillShot(Path("/a.png"), 2.0, "push_in"),
        StillShot(Path("/b.png"), 0.5, "push_in"),
        StillShot(Path("/c.png"), 2.0, "push_in"),
    )
    with pytest.raises(ValueError, match="shot 1"):
        build_filtergraph(
            _spec(
                shots=shots, transitions=(TransitionSpec("fade", 0.4), TransitionSpec("fade", 0.4))
            )
        )


def test_wrong_transition_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="len\\(shots\\) - 1"):
        build_filtergraph(_spec(transitions=(TransitionSpec("fade", 0.5),)))


def test_captions_are_looped_on_the_films_clock_with_alpha_fades() -> None:
    graph = build_filtergraph(_spec())
    # input 4 (after the 4 shots): decoded once, repeated for its 3 s window (90 frames)
    assert (
        "[4:v]format=pix_fmts=yuva420p:color_ranges=tv,loop=loop=89:size=1:start=0,"
        "setpts=N/(30*TB)+0.5/TB,fade=t=in:st=0.5:d=0.2:alpha=1"
    ) in graph
    assert "[film][o4]overlay=x=90:y=1500:eof_action=pass:format=yuv420[ov0]" in graph
    assert graph.endswith(f"{YUV420}[vout]")


def test_compose_argv_is_h264_aac_faststart_with_windowed_overlays() -> None:
    argv = build_compose_argv(_spec(), "ffmpeg")
    joined = " ".join(argv)
    assert argv[0] == "ffmpeg"
    assert "-c:v libx264" in joined
    assert "-c:a aac" in joined
    assert "-movflags +faststart" in joined
    assert "-pix_fmt yuv420p" in joined
    assert "-t 12" in joined
    # the caption is a single-image input (timed in the filtergraph, not by the demuxer)
    i = argv.index("/s/cap0.png")
    assert argv[i - 1] == "-i"
    assert "-loop" not in argv
    assert argv[argv.index("-map", argv.index("-map") + 1) + 1] == "5:a"
    assert argv[-1] == "/out/v.mp4"


def test_compose_argv_without_audio_maps_video_only() -> None:
    argv = build_compose_argv(_spec(audio=None), "ffmpeg")
    assert "-c:a" not in argv
    assert argv.count("-map") == 1


def test_poster_leaves_the_same_pass_as_a_second_output() -> None:
    spec = _spec(poster=Path("/out/poster.jpg"), poster_s=9.5)
    graph = build_filtergraph(spec)
    assert graph.endswith(f"{YUV420},split=2[vout][pv];[pv]select='eq(n,285)'[poster]")
    argv = build_compose_argv(spec, "ffmpeg")
    # the video's own options stay before its path; the poster is one JPEG frame after it
    assert argv[-10:] == [
        "/out/v.mp4",
        "-map",
        "[poster]",
        "-frames:v",
        "1",
        "-q:v",
        "2",
        "-update",
        "1",
        "/out/poster.jpg",
    ]
    assert "[poster]" not in build_filtergraph(_spec())
    # the frame is clamped to the film
    assert poster_frame(_spec(poster_s=20.0)) == 359
    assert poster_frame(_spec(poster_s=-1.0)) == 0


@pytest.mark.parametrize("move", ["push_in", "pull_out", "orbit", "parallax"])
def test_zoom_window_is_placed_from_the_scaled_size(move: str) -> None:
    scaled_w, scaled_h, x, y = zoom_expressions(move, 120, (1080, 1920), 1.18)  # type: ignore[arg-type]
    # frames (scale's n >= 1) get the eased size; the set-up size is the widest it gets,
    # so crop, which keeps the set-up size, never clamps the window
    first, last = zoom_range(move, 1.18)  # type: ignore[arg-type]
    widest = max(first, last)
    assert scaled_w.startswith("if(gte(n,1),2*trunc(1080*")
    assert scaled_w.endswith(f",{2 * math.trunc(1080 * widest / 2)})")
    assert scaled_h.endswith(f",{2 * math.trunc(1920 * widest / 2)})")
    # the window never reads crop's (stale) iw/ih
    assert "iw" not in x and "ih" not in y
    assert x.startswith("(2*trunc(1080*") and y.startswith("(2*trunc(1920*")


def test_push_in_and_pull_out_mirror_each_other() -> None:
    assert zoom_range("push_in", 1.18) == pytest.approx((1.0, 1.1446))
    assert zoom_range("pull_out", 1.18) == pytest.approx((1.1446, 1.0))


def test_pans_keep_the_window_inside_the_keyframe() -> None:
    x_left, _ = crop_expressions("pan_left", 120, 30, 0)
    x_right, _ = crop_expressions("pan_right", 120, 30, 0)
    assert "0.85-0.7*" in x_left
    assert "0.15+0.7*" in x_right


def test_handheld_jitter_is_seeded() -> None:
    assert crop_expressions("handheld", 90, 30, 1) == crop_expressions("handheld", 90, 30, 1)
    assert crop_expressions("handheld", 90, 30, 1) != crop_expressions("handheld", 90, 30, 2)


def test_end_card_settles_with_a_crop_not_a_zoom() -> None:
    spec = _spec(
        shots=(
            StillShot(Path("/s/a.png"), 4.0, "push_in"),
            StillShot(Path("/s/end.png"), 2.0, "settle"),
        ),
        transitions=(TransitionSpec("fadeblack", 0.5),),
        overlays=(),
        duration_s=5.5,
    )
    parts = _parts(spec)
    for piece in ("h1", "b1"):
        chain = _chain(parts, piece)
        assert "scale=" not in chain
        assert "crop=1080:1920:x='(iw-ow)/2':y='(ih-oh)*(0.8-0.3*" in chain
