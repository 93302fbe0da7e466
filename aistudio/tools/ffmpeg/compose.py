"""Pure builders: a ComposeSpec -> one ffmpeg argv with one filtergraph.

Speed matters (the render must stay near the x264 floor), so:
* every still is decoded ONCE (a single-frame input), converted to yuv420p (per-frame work
  runs on 1.5 bytes per pixel, nothing goes back to RGB) and repeated by the `loop` filter;
* camera moves are crops, zooms a scale + crop (motion.py);
* a shot is made as independent pieces by frame number: the head that fades in, the body
  and the tail that fades out, each its own `loop` of the still with the move's
  expressions offset to its first frame. The seams (transitions.py) then only ever pull
  their own 2 x 15 frames: cut out of whole shots with split + trim, an eager seam filter
  made its whole shots up front, and the encoder waited ~1 s for the first frame. Fed whole
  shots, `xfade` (4:4:4 only) had pulled the entire film into yuv444p: two swscale
  conversions of every frame, ~40 % of the filter time. (A clip from a hosted model can't
  be looped: its pieces are split + trim of one decode, and its seams stay with xfade,
  which only reads ahead when asked.)
"""

from __future__ import annotations

from aistudio.tools.ffmpeg.motion import still_motion
from aistudio.tools.ffmpeg.spec import ClipShot, ComposeSpec, OverlayImage, StillShot
from aistudio.tools.ffmpeg.transitions import YUV420, seam_chains

Piece = tuple[str, int, int]  # ("h" | "b" | "t", first frame, end frame) of a shot


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def shot_frames(duration_s: float, fps: int) -> int:
    return max(1, round(duration_s * fps))


def _still_pieces(index: int, shot: StillShot, spec: ComposeSpec, pieces: list[Piece]) -> list[str]:
    frames = shot_frames(shot.duration_s, spec.fps)
    fps = spec.fps
    source = f"[{index}:v]{YUV420}"
    parts = []
    if len(pieces) > 1:  # one decoded still, one reference per piece
        parts.append(
            f"{source},split={len(pieces)}" + "".join(f"[s{index}{name}]" for name, _, _ in pieces)
        )
    for name, start, end in pieces:
        motion = still_motion(
            shot.move, frames, (spec.width, spec.height), fps, shot.headroom, shot.seed, start
        )
        chain_in = f"{source}," if len(pieces) == 1 else f"[s{index}{name}]"
        parts.append(
            f"{chain_in}loop=loop={end - start - 1}:size=1:start=0,"
            f"setpts=N/({fps}*TB),{motion},setsar=1,trim=end_frame={end - start}"
            f"[{name}{index}]"
        )
    return parts


def _clip_pieces(index: int, shot: ClipShot, spec: ComposeSpec, pieces: list[Piece]) -> list[str]:
    w, h = spec.width, spec.height
    frames = shot_frames(shot.duration_s, spec.fps)
    parts = [
        # out_range=tv: models often deliver full-range (JPEG-style) video; the output is
        # limited-range yuv420p like every other shot.
        f"[{index}:v]scale={w}:{h}:force_original_aspect_ratio=increase:out_range=tv,"
        f"crop={w}:{h},"
        f"fps={spec.fps},{YUV420},setsar=1,setpts=PTS-STARTPTS,"
        # a clip that comes back short holds its last frame: the seams are cut by frame
        # number, so every shot must have exactly its frames.
        f"tpad=stop_mode=clone:stop={frames},trim=end_frame={frames},"
        f"split={len(pieces)}" + "".join(f"[c{index}{name}]" for name, _, _ in pieces)
    ]
    for name, start, end in pieces:
        bounds = f"start_frame={start}:end_frame={end}" if start else f"end_frame={end}"
        parts.append(f"[c{index}{name}]trim={bounds},setpts=PTS-STARTPTS[{name}{index}]")
    return parts


def _overlay_chain(input_index: int, overlay: OverlayImage, fps: int) -> str:
    # The PNG is decoded once and repeated by `loop` for its window only (an image2 input
    # with -loop 1 decodes the file again for every frame), timed onto the film's clock.
    frames = max(1, round((overlay.end_s - overlay.start_s) * fps))
    fade = min(overlay.fade_s, (overlay.end_s - overlay.start_s) / 3)
    return (
        f"[{input_index}:v]format=pix_fmts=yuva420p:color_ranges=tv,"
        f"loop=loop={frames - 1}:size=1:start=0,"
        f"setpts=N/({fps}*TB)+{_num(overlay.start_s)}/TB,"
        f"fade=t=in:st={_num(overlay.start_s)}:d={_num(fade)}:alpha=1,"
        f"fade=t=out:st={_num(overlay.end_s - fade)}:d={_num(fade)}:alpha=1[o{input_index}]"
    )


def _film(spec: ComposeSpec) -> list[str]:
    """Every shot's pieces, the seams between them, all concatenated -> [film]."""
    fps = spec.fps
    fades = [max(0, round(t.duration_s * fps)) for t in spec.transitions]
    parts: list[str] = []
    segments: list[str] = []
    for i, shot in enumerate(spec.shots):
        count = shot_frames(shot.duration_s, fps)
        head = fades[i - 1] if i > 0 else 0
        tail = fades[i] if i < len(fades) else 0
        if head + tail > count:
            raise ValueError(f"shot {i} ({count} frames) is shorter than its transitions")
        pieces = [
            (name, a, b)
            for name, a, b in (
                ("h", 0, head),
                ("b", head, count - tail),
                ("t", count - tail, count),
            )
            if b > a
        ]
        if isinstance(shot, StillShot):
            parts += _still_pieces(i, shot, spec, pieces)
        else:
            parts += _clip_pieces(i, shot, spec, pieces)
        if head:
            stills = isinstance(shot, StillShot) and isinstance(spec.shots[i - 1], StillShot)
            parts += seam_chains(
                spec.transitions[i - 1].kind,
                f"t{i - 1}",
                f"h{i}",
                head,
                fps,
                f"m{i}",
                native=stills,
            )
            segments.append(f"m{i}")
        if count - tail > head:
            segments.append(f"b{i}")
    # One clock for the film (frame n at n/fps), which the overlays are timed against.
    parts.append(
        "".join(f"[{s}]" for s in segments)
        + f"concat=n={len(segments)}:v=1:a=0,setpts=N/({fps}*TB)[film]"
    )
    return parts


def build_filtergraph(spec: ComposeSpec) -> str:
    """Shots -> seams crossfaded -> concat -> caption overlays -> yuv420p."""
    if len(spec.transitions) != len(spec.shots) - 1:
        raise ValueError("a ComposeSpec needs exactly len(shots) - 1 transitions")
    parts = _film(spec)
    current = "film"
    first_overlay_input = len(spec.shots)
    for j, overlay in enumerate(spec.overlays):
        idx = first_overlay_input + j
        parts.append(_overlay_chain(idx, overlay, spec.fps))
        out = f"ov{j}"
        # The overlay stream only exists during its window, so the blend runs on those
        # frames only; eof_action=pass lets the video go on after it.
        x = str(overlay.x)
        if overlay.x_end is not None:  # a light sweep: glides across during its window
            span = max(overlay.end_s - overlay.start_s, 1e-3)
            x = (
                f"'{overlay.x}+({overlay.x_end - overlay.x})"
                f"*min(max((t-{_num(overlay.start_s)})/{_num(span)},0),1)'"
            )
        parts.append(
            f"[{current}][o{idx}]overlay=x={x}:y={overlay.y}:eof_action=pass:format=yuv420[{out}]"
        )
        current = out
    tail_filter = f",{spec.grade_filter}" if spec.grade_filter else ""
    if spec.poster is None:
        parts.append(f"[{current}]{YUV420}{tail_filter}[vout]")
    else:
        # The poster frame leaves by a second output: one frame picked from the stream the
        # encoder gets, instead of decoding most of the finished file again (~0.5 s).
        parts.append(f"[{current}]{YUV420}{tail_filter},split=2[vout][pv]")
        parts.append(f"[pv]select='eq(n,{poster_frame(spec)})'[poster]")
    return ";".join(parts)


def poster_frame(spec: ComposeSpec) -> int:
    last = max(0, round(spec.duration_s * spec.fps) - 1)
    return min(max(0, round(spec.poster_s * spec.fps)), last)


def build_compose_argv(spec: ComposeSpec, ffmpeg: str) -> list[str]:
    argv = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-progress",
        "pipe:1",
        "-nostats",
    ]
    for shot in spec.shots:
        if isinstance(shot, StillShot):
            # The image demuxer's default 25 fps clock would not match the clips' (after
            # their `fps` filter), and the seams need one time base and frame rate.
            argv += ["-framerate", str(spec.fps)]
        argv += ["-i", str(shot.path)]
    for overlay in spec.overlays:
        argv += ["-i", str(overlay.path)]
    audio_index = len(spec.shots) + len(spec.overlays)
    if spec.audio is not None:
        argv += ["-i", str(spec.audio)]
    argv += ["-filter_complex", build_filtergraph(spec), "-map", "[vout]"]
    if spec.audio is not None:
        argv += [
            "-map",
            f"{audio_index}:a",
            "-c:a",
            "aac",
            "-b:a",
            spec.audio_bitrate,
            "-ar",
            "48000",
            "-ac",
            "2",
        ]
    argv += [
        "-c:v",
        "libx264",
        "-preset",
        spec.x264_preset,
        "-crf",
        str(spec.crf),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(spec.fps),
        "-t",
        _num(spec.duration_s),
        "-movflags",
        "+faststart",
        str(spec.output),
    ]
    if spec.poster is not None:
        argv += [
            "-map",
            "[poster]",
            "-frames:v",
            "1",
            "-q:v",
            "2",
            "-update",
            "1",
            str(spec.poster),
        ]
    return argv
