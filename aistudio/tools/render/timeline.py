"""Pure builder: a RenderPlan + rendered material for one aspect -> a ComposeSpec for FFmpeg."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aistudio.artifacts import ASPECT_SIZES, AspectRatio, RenderPlan
from aistudio.errors import InputError
from aistudio.settings import RenderSettings
from aistudio.tools.ffmpeg.spec import (
    ClipShot,
    ComposeSpec,
    OverlayImage,
    StillShot,
    TransitionSpec,
)


@dataclass(frozen=True)
class PlacedOverlay:
    """A stored overlay image and where/when it goes on the final timeline."""

    path: Path
    x: int
    y: int
    start_s: float
    end_s: float
    x_end: int | None = None  # a moving overlay (the light sweep) ends here


@dataclass(frozen=True)
class ShotMaterial:
    path: Path
    is_still: bool


def shot_starts(plan: RenderPlan) -> list[float]:
    """Start time of each shot (and, last, of the end card) on the final timeline."""
    starts, t = [], 0.0
    for shot, transition in zip(plan.shots, plan.transitions, strict=False):
        starts.append(t)
        t += shot.duration_s - transition.duration_s
    starts.append(t)
    return starts


def build_compose_spec(
    plan: RenderPlan,
    aspect: AspectRatio,
    material: Mapping[int, ShotMaterial],
    end_card: Path,
    overlays: Sequence[PlacedOverlay],
    audio: Path | None,
    output: Path,
    render: RenderSettings,
    poster: Path | None = None,
) -> ComposeSpec:
    if len(plan.transitions) != len(plan.shots):
        raise InputError(
            f"render plan has {len(plan.shots)} shots but {len(plan.transitions)} transitions"
        )
    width, height = ASPECT_SIZES[aspect]
    shots: list[StillShot | ClipShot] = []
    for shot in plan.shots:
        item = material.get(shot.shot_index)
        if item is None:
            raise InputError(f"shot {shot.shot_index} has no rendered material for {aspect}")
        if item.is_still:
            shots.append(
                StillShot(
                    path=item.path,
                    duration_s=shot.duration_s,
                    move=shot.camera_move,
                    headroom=render.motion_headroom,
                    seed=shot.seed,
                )
            )
        else:
            shots.append(ClipShot(path=item.path, duration_s=shot.duration_s))
    # The end card rises slowly into place so the last seconds never read as a frozen frame.
    shots.append(
        StillShot(
            path=end_card,
            duration_s=plan.end_card.duration_s,
            move="settle",
            headroom=render.motion_headroom,
            seed=plan.seed,
        )
    )
    transitions = tuple(TransitionSpec(t.kind, t.duration_s) for t in plan.transitions)
    total = sum(s.duration_s for s in shots) - sum(t.duration_s for t in transitions)
    if abs(total - plan.duration_s) > 0.02:
        raise InputError(
            f"render plan timing is inconsistent: shots add up to {total:.3f}s, "
            f"plan says {plan.duration_s:.3f}s"
        )
    return ComposeSpec(
        width=width,
        height=height,
        fps=plan.fps,
        shots=tuple(shots),
        transitions=transitions,
        overlays=tuple(
            OverlayImage(path=o.path, x=o.x, y=o.y, start_s=o.start_s, end_s=o.end_s, x_end=o.x_end)
            for o in overlays
        ),
        audio=audio,
        duration_s=plan.duration_s,
        output=output,
        x264_preset=render.x264_preset,
        crf=render.x264_crf,
        audio_bitrate=render.audio_bitrate,
        poster=poster,
        poster_s=poster_time(plan),
    )


def poster_time(plan: RenderPlan) -> float:
    """The middle of the last product shot: the product is in frame, its caption is up."""
    return shot_starts(plan)[-2] + plan.shots[-1].duration_s / 2


def sweep_window(plan: RenderPlan, index: int) -> tuple[float, float]:
    """When the light sweep crosses shot `index`: its own part, clear of the transitions."""
    starts = shot_starts(plan)
    shot = plan.shots[index]
    fade_in = plan.transitions[index - 1].duration_s if index > 0 else 0.0
    fade_out = plan.transitions[index].duration_s
    start = starts[index] + fade_in
    return start, max(start + 0.3, starts[index] + shot.duration_s - fade_out)
