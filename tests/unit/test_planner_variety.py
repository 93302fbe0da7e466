"""Shots that differ, as the offline planner plans them: cuts on the beat, sets that do not
repeat, a macro on the detail, a pan along the label, the hook card first."""

from __future__ import annotations

import itertools
import random

from aistudio.artifacts import Asset, Brief, ProductProfile
from aistudio.tools.planner import variety
from aistudio.tools.planner.house_rules import plan_timeline
from aistudio.tools.planner.offline import OfflinePlanner


def test_cuts_move_to_the_nearest_beat_and_the_film_keeps_its_length() -> None:
    fps, bpm = 30, 96
    frames, fades = [70, 95, 80, 75], [15, 15, 15, 15]
    beats = variety.beat_frames(bpm, fps, 12.0)
    snapped = variety.snap_cuts_to_beats(frames, fades, beats, minimum=45, max_shift=20)
    assert sum(snapped) == sum(frames)
    start = 0.0
    for i in range(len(snapped) - 1):
        cut = start + snapped[i] - fades[i] / 2
        assert min(abs(cut - b) for b in beats) <= 0.5 + 1e-9, (i, cut)  # on a beat
        start += snapped[i] - fades[i]
    assert min(snapped) >= 45


def test_a_cut_stays_put_when_no_beat_leaves_the_shots_long_enough() -> None:
    beats = variety.beat_frames(60, 30, 6.0)  # a beat every 30 frames
    assert variety.snap_cuts_to_beats([50, 50], [10, 10], beats, 48, max_shift=30) == [50, 50]
    # nor when the beat is further than the tolerance
    assert variety.snap_cuts_to_beats([70, 70], [10, 10], beats, 30, max_shift=3) == [70, 70]


def test_sets_do_not_repeat_until_all_styles_are_used() -> None:
    styles = variety.backdrop_styles(6, random.Random(3))
    assert len(set(styles[:4])) == 4
    assert all(a != b for a, b in itertools.pairwise(styles))


def _asset(kind: str) -> Asset:
    return Asset(key=kind, kind=kind, mime="image/png", sha256="0" * 64, size_bytes=1)


async def test_the_offline_plan_varies_its_shots() -> None:
    product = ProductProfile(
        normalized=_asset("normalized"),
        cutout=_asset("cutout"),
        width=1000,
        height=1000,
        bbox=(200, 100, 600, 800),
        palette=("#c0302a", "#2a6030"),
        background="#f0f0f0",
        detected_text=("GARDEN FRESH",),
        detail_box=(350, 300, 240, 240),
        text_boxes=((260, 500, 480, 60),),
    )
    brief = Brief(
        kind="promo",
        text="Garden Fresh strawberries, picked ripe this morning. Order a punnet today",
        duration_s=12.0,
    )
    planner = OfflinePlanner()
    concept = await planner.concept(brief, product)
    shots = await planner.visual(brief, product, concept)
    audio = await planner.audio(brief, concept, shots)
    plan = await planner.assembly(brief, product, concept, shots, audio)
    styles = [s.backdrop_style for s in plan.shots]
    assert len(set(styles)) == min(4, len(styles))
    assert plan.hook is not None and plan.hook.start_s == 0.0 and plan.hook.end_s == 1.5
    assert all(c.start_s >= plan.hook.end_s for c in plan.captions)
    assert sum(s.light_sweep for s in plan.shots) == 1
    for shot in plan.shots:
        if shot.framing == "macro":
            assert shot.focus == product.detail_box
        if shot.focus == product.text_boxes[0]:
            assert shot.camera_move in ("pan_left", "pan_right") and shot.travel > 1.0
    # Cuts between shots on the bed's beats; the timeline the other agents read agrees.
    beat = 60.0 / audio.music_bpm
    t = 0.0
    for shot, transition in zip(plan.shots[:-1], plan.transitions, strict=False):
        cut = t + shot.duration_s - transition.duration_s / 2
        off = abs(cut / beat - round(cut / beat)) * beat
        # on the beat, unless the beat lies further than a cut may move
        assert off <= 0.5 / plan.fps + 1e-6 or off > variety.MAX_CUT_SHIFT_S - 1e-6, cut
        t += shot.duration_s - transition.duration_s
    again = plan_timeline("promo", 12.0, [s.duration_s for s in shots.shots], plan.fps)
    assert again.shot_s == tuple(s.duration_s for s in plan.shots)


def test_a_close_up_beside_a_macro_frames_the_other_side() -> None:
    # On a small photo the macro and the close-up reach the same sharpness-capped zoom:
    # around the same detail they were one picture twice (a fire truck's pump panel).
    product = ProductProfile(
        normalized=_asset("normalized"),
        cutout=_asset("cutout"),
        width=800,
        height=331,
        bbox=(40, 60, 720, 240),
        palette=("#c0302a",),
        background="#ffffff",
        detail_box=(470, 120, 100, 100),
    )
    alone = variety.detail_focus("close", "orbit", product)
    beside = variety.detail_focus("close", "orbit", product, beside_macro=True)
    assert alone is not None and beside is not None
    macro_cx = 470 + 50
    assert abs(alone[0] + alone[2] / 2 - macro_cx) < 1  # the same detail, twice the window
    # mirrored through the product's centre (x 400): the other end of the truck
    assert beside[0] + beside[2] / 2 < 400 < macro_cx
    bx, by, bw, bh = product.bbox
    assert bx <= beside[0] and beside[0] + beside[2] <= bx + bw
    assert by <= beside[1] and beside[1] + beside[3] <= by + bh
