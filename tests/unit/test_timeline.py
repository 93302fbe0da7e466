"""The plan -> ComposeSpec builder: timing identities and error cases, no ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from aistudio.artifacts import Caption, EndCard, RenderPlan, ShotRender, Transition
from aistudio.errors import InputError
from aistudio.settings import RenderSettings
from aistudio.tools.ffmpeg.spec import StillShot
from aistudio.tools.render.timeline import (
    PlacedOverlay,
    ShotMaterial,
    build_compose_spec,
    poster_time,
    shot_starts,
)


def _plan(durations: list[float], fades: list[float], end: float = 2.0) -> RenderPlan:
    shots = tuple(
        ShotRender(
            shot_index=i,
            duration_s=d,
            camera_move="push_in",
            framing="medium",
            product_scale=0.5,
            backdrop=("#202020", "#000000"),
        )
        for i, d in enumerate(durations)
    )
    total = sum(durations) + end - sum(fades)
    return RenderPlan(
        shots=shots,
        transitions=tuple(Transition(kind="fade", duration_s=f) for f in fades),
        captions=(Caption(start_s=0.5, end_s=2.0, text="Hello"),),
        end_card=EndCard(headline="AURUM", call_to_action="Shop now", duration_s=end),
        aspect_ratios=("9:16",),
        grade="luxurious",
        duration_s=total,
    )


def _material(n: int) -> dict[int, ShotMaterial]:
    return {i: ShotMaterial(Path(f"/k/{i}.png"), is_still=True) for i in range(n)}


def test_shot_starts_account_for_overlaps() -> None:
    plan = _plan([3.0, 3.0, 3.0, 2.5], [0.5, 0.5, 0.5, 0.5])
    assert shot_starts(plan) == pytest.approx([0.0, 2.5, 5.0, 7.5, 9.5])
    assert plan.duration_s == pytest.approx(11.5)


def test_spec_has_end_card_last_and_exact_duration() -> None:
    plan = _plan([3.0, 3.5, 3.0, 2.5], [0.5, 0.5, 0.5, 0.5])
    overlay = PlacedOverlay(Path("/c.png"), 10, 20, 0.5, 2.0)
    spec = build_compose_spec(
        plan,
        "16:9",
        _material(4),
        Path("/end.png"),
        [overlay],
        Path("/a.wav"),
        Path("/o.mp4"),
        RenderSettings(),
    )
    assert (spec.width, spec.height) == (1920, 1080)
    assert len(spec.shots) == 5 and len(spec.transitions) == 4
    last = spec.shots[-1]
    assert isinstance(last, StillShot) and last.path == Path("/end.png")
    assert spec.duration_s == plan.duration_s
    assert spec.overlays[0].x == 10 and spec.overlays[0].end_s == 2.0


def test_missing_material_is_an_input_error() -> None:
    plan = _plan([3.0, 3.0], [0.5, 0.5])
    with pytest.raises(InputError, match="shot 1"):
        build_compose_spec(
            plan, "9:16", _material(1), Path("/e.png"), [], None, Path("/o.mp4"), RenderSettings()
        )


def test_inconsistent_timing_is_rejected() -> None:
    plan = _plan([3.0, 3.0], [0.5, 0.5]).model_copy(update={"duration_s": 12.0})
    with pytest.raises(InputError, match="inconsistent"):
        build_compose_spec(
            plan, "9:16", _material(2), Path("/e.png"), [], None, Path("/o.mp4"), RenderSettings()
        )


def test_poster_is_the_middle_of_the_last_product_shot() -> None:
    plan = _plan([3.0, 3.0, 3.0, 2.5], [0.5, 0.5, 0.5, 0.5])
    assert poster_time(plan) == pytest.approx(7.5 + 1.25)
    spec = build_compose_spec(
        plan,
        "9:16",
        _material(4),
        Path("/e.png"),
        [],
        None,
        Path("/o.mp4"),
        RenderSettings(),
        Path("/p.jpg"),
    )
    assert spec.poster == Path("/p.jpg") and spec.poster_s == pytest.approx(8.75)
