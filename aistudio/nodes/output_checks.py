"""Pure scoring of output-QA measurements: measured figures in, QACheck out.

Each check, named by its `CheckName`, says what was measured, whether it passed, and which
node is the cheapest that can fix it (`redo`); the planner acts on the name and the fields.

Checks of the FFmpeg stages (container, timing, silence) name no redo target: composing is
deterministic, so running it again on the same inputs would give the same file. Such a
failure is a defect to report (the job ends completed_with_warnings), not something a
retry can fix. Loudness is the exception: it redoes compose, which then measures the
delivered file again and corrects its audio from the master (tools/ffmpeg/mastering.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from aistudio.artifacts import ASPECT_SIZES, AspectRatio, CheckName, QACheck, RedoTarget
from aistudio.settings import QASettings
from aistudio.tools.ffmpeg.spec import Interval, MediaAnalysis, ProbeResult


def _check(
    check: CheckName,
    ok: bool,
    score: float,
    measured: str,
    violation: str,
    redo: RedoTarget | None,
    aspect: AspectRatio | None,
    *,
    value: float | None = None,
    name: str | None = None,
    shot_index: int | None = None,
    caption_index: int | None = None,
) -> QACheck:
    return QACheck(
        name=name or check,
        check=check,
        score=round(min(max(score, 0.0), 1.0), 3),
        passed=ok,
        measured=measured,
        value=value,
        violation=None if ok else violation,
        redo=None if ok else redo,
        aspect=aspect,
        shot_index=shot_index,
        caption_index=caption_index,
    )


def probe_checks(
    probe: ProbeResult, aspect: AspectRatio, duration_s: float, fps: int, qa: QASettings
) -> list[QACheck]:
    width, height = ASPECT_SIZES[aspect]
    drift = abs(probe.duration_s - duration_s)
    has_streams = probe.video_codec == "h264" and probe.audio_codec == "aac"
    return [
        _check(
            "duration",
            drift <= qa.duration_tolerance_s,
            1 - drift / max(duration_s, 1),
            f"{probe.duration_s:.3f}s (target {duration_s:.2f}s)",
            f"duration off by {drift:.2f}s",
            None,
            aspect,
            value=probe.duration_s,
        ),
        _check(
            "frame_size",
            (probe.width, probe.height) == (width, height),
            1.0 if (probe.width, probe.height) == (width, height) else 0.0,
            f"{probe.width}x{probe.height}",
            f"frame is {probe.width}x{probe.height}, expected {width}x{height}",
            None,
            aspect,
        ),
        _check(
            "fps",
            abs(probe.fps - fps) < 0.05,
            1.0 if abs(probe.fps - fps) < 0.05 else 0.0,
            f"{probe.fps:.2f} fps",
            f"{probe.fps:.2f} fps instead of {fps}",
            None,
            aspect,
            value=probe.fps,
        ),
        _check(
            "streams",
            has_streams and probe.pix_fmt == "yuv420p" and probe.faststart,
            1.0 if has_streams else 0.0,
            f"{probe.video_codec}/{probe.audio_codec} {probe.pix_fmt}"
            f"{' faststart' if probe.faststart else ''}",
            "expected h264 yuv420p + aac with faststart",
            None,
            aspect,
        ),
    ]


def _longest(intervals: Sequence[Interval]) -> float:
    return max((i.length_s for i in intervals), default=0.0)


def analysis_checks(
    analysis: MediaAnalysis, aspect: AspectRatio, target_lufs: float, qa: QASettings
) -> list[QACheck]:
    black = sum(i.length_s for i in analysis.black)
    frozen = _longest(analysis.frozen)
    silent = _longest(analysis.silent)
    checks = [
        _check(
            "black",
            black <= qa.max_black_s,
            1 - black / 3,
            f"{black:.2f}s black",
            f"{black:.2f}s of black frames",
            "render",
            aspect,
            value=black,
        ),
        _check(
            "freeze",
            frozen <= qa.max_freeze_s,
            1 - frozen / 6,
            f"longest freeze {frozen:.2f}s",
            f"picture frozen for {frozen:.2f}s",
            "assembly",
            aspect,
            value=frozen,
        ),
        _check(
            "silence",
            silent <= qa.max_silence_s,
            1 - silent / 6,
            f"longest silence {silent:.2f}s",
            f"audio silent for {silent:.2f}s",
            None,
            aspect,
            value=silent,
        ),
    ]
    loud = analysis.loudness
    if loud is None:
        checks.append(
            _check(
                "loudness",
                False,
                0.0,
                "not measured",
                "loudness could not be measured",
                "compose",
                aspect,
            )
        )
    else:
        off = abs(loud.integrated_lufs - target_lufs)
        ok = off <= qa.lufs_tolerance and loud.true_peak_db <= -1.0 + 0.05
        checks.append(
            _check(
                "loudness",
                ok,
                1 - off / 6,
                f"{loud.integrated_lufs:.1f} LUFS, TP {loud.true_peak_db:.1f} dBTP",
                f"loudness {loud.integrated_lufs:.1f} LUFS / TP {loud.true_peak_db:.1f} dBTP "
                f"(target {target_lufs:.0f} ±{qa.lufs_tolerance:.1f}, TP ≤ -1)",
                "compose",
                aspect,
                value=loud.integrated_lufs,
            )
        )
    return checks


def fidelity_check(
    shot_index: int,
    inliers: int,
    score: float,
    aspect: AspectRatio,
    qa: QASettings,
    *,
    generated: bool = False,
) -> QACheck:
    """`generated`: the shot is a model's clip, so a low score means the model changed the
    product and that shot alone is made again; a local keyframe is recomposed by assembly."""
    return _check(
        "fidelity",
        inliers >= qa.min_fidelity_inliers,
        score,
        f"{inliers} feature inliers",
        f"shot {shot_index + 1} matches the reference product with "
        f"only {inliers} inliers (need {qa.min_fidelity_inliers})",
        "render" if generated else "assembly",
        aspect,
        value=inliers,
        name=f"fidelity.shot{shot_index + 1}",
        shot_index=shot_index,
    )


def caption_check(
    caption_index: int, expected: str, similarity: float, aspect: AspectRatio, qa: QASettings
) -> QACheck:
    return _check(
        "caption_legibility",
        similarity >= qa.min_caption_similarity,
        similarity,
        f"OCR similarity {similarity:.2f}",
        f"caption {expected!r} read back at {similarity:.2f}",
        "assembly",
        aspect,
        value=similarity,
        name=f"caption.{caption_index + 1}",
        caption_index=caption_index,
    )


def sharpness_check(
    shot_index: int, sharpness: float, aspect: AspectRatio, qa: QASettings
) -> QACheck:
    return _check(
        "sharpness",
        sharpness >= qa.min_sharpness,
        sharpness / (2 * qa.min_sharpness),
        f"Laplacian variance {sharpness:.0f}",
        f"shot {shot_index + 1} is blurry ({sharpness:.0f} < {qa.min_sharpness:.0f})",
        "render",
        aspect,
        value=sharpness,
        name=f"sharpness.shot{shot_index + 1}",
        shot_index=shot_index,
    )


def people_check(faces: int, humans_allowed: bool, aspect: AspectRatio) -> QACheck:
    ok = humans_allowed or faces == 0
    return _check(
        "people",
        ok,
        1.0 if ok else 0.0,
        f"{faces} faces in sampled frames",
        f"{faces} faces in a product-only video",
        "visual",
        aspect,
        value=faces,
        name="no_people" if not humans_allowed else "people",
    )


def voice_check(
    ends_at: float | None, overflow: Sequence[str], duration_s: float, qa: QASettings
) -> QACheck:
    if ends_at is None:
        return _check("voice_tail", True, 1.0, "no voice-over", "", None, None)
    limit = duration_s - qa.voice_tail_s
    ok = ends_at <= limit + 1e-3 and not overflow
    return _check(
        "voice_tail",
        ok,
        1.0 if ok else max(0.0, 1 - (ends_at - limit)),
        f"voice ends at {ends_at:.2f}s of {duration_s:.2f}s",
        f"voice-over ends at {ends_at:.2f}s, must end by "
        f"{limit:.2f}s" + (f"; {len(overflow)} line(s) overflow their slot" if overflow else ""),
        "audio",
        None,
        value=ends_at,
    )


def moderation_check(allowed: bool, categories: Sequence[str]) -> QACheck:
    return _check(
        "output_moderation",
        allowed,
        1.0 if allowed else 0.0,
        ", ".join(categories) or "clean",
        f"output frames flagged: {', '.join(categories)}",
        None,
        None,
    )


def shot_variety_check(
    similarity: float, pair: tuple[int, int] | None, aspect: AspectRatio, qa: QASettings
) -> QACheck:
    """The two most alike shots (tools/vision/variety.py) must not look the same: a film of
    one picture four times is what a viewer scrolls past. Visual plans them apart again."""
    ok = pair is None or similarity <= qa.max_shot_similarity
    where = f"shots {pair[0] + 1} and {pair[1] + 1}" if pair else "fewer than two shots"
    return _check(
        "shot_variety",
        ok,
        1 - similarity,
        f"{where}: similarity {similarity:.2f}",
        f"shots look alike: {where} have similarity {similarity:.2f} "
        f"(at most {qa.max_shot_similarity:.2f})",
        "visual",
        aspect,
        value=similarity,
        shot_index=pair[1] if pair else None,
    )
