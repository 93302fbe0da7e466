"""shot_variety: the pure similarity of a film's shot frames, on keyframes the compositor
draws (small frames, real code): the same cut-out at the same size fails, shots that vary
framing and set pass."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from aistudio.artifacts import ShotRender
from aistudio.nodes.output_checks import shot_variety_check
from aistudio.settings import QASettings
from aistudio.tools.render.keyframe import compose_keyframe
from aistudio.tools.vision.variety import most_alike, pair_similarity

FRAME = (108, 192)
QA = QASettings()


def _bottle() -> Image.Image:
    """An RGBA cut-out: a bottle with a cap and a striped label (detail to frame)."""
    image = Image.new("RGBA", (120, 260), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 60, 110, 255), 18, fill=(200, 150, 60, 255))
    draw.rectangle((40, 10, 80, 60), fill=(40, 40, 40, 255))
    for y in range(120, 200, 12):
        draw.rectangle((20, y, 100, y + 5), fill=(250, 245, 230, 255))
    return image


def _shot(**update: object) -> ShotRender:
    base = ShotRender(
        shot_index=0,
        duration_s=2.0,
        camera_move="push_in",
        framing="medium",
        product_scale=0.55,
        backdrop=("#3a2a4a", "#100818"),
        light_angle_deg=35.0,
    )
    return base.model_copy(update=update)


def _frame(shot: ShotRender, focus: tuple[int, int, int, int] | None = None) -> np.ndarray:
    image = compose_keyframe(_bottle(), shot, FRAME, "luxurious", 1.18, focus)
    return np.asarray(image.convert("RGB"))


def test_the_same_cut_out_at_the_same_size_fails() -> None:
    # What the issue saw: four shots, one cut-out, nearly the same size, the set a touch
    # lighter or darker from shot to shot.
    frames = [
        _frame(_shot(product_scale=0.55)),
        _frame(_shot(product_scale=0.57, backdrop=("#40304f", "#120a1b"))),
        _frame(_shot(product_scale=0.53, light_angle_deg=50.0)),
    ]
    similarity, pair = most_alike(frames)
    assert similarity > QA.max_shot_similarity, similarity
    check = shot_variety_check(similarity, pair, "9:16", QA)
    assert not check.passed and check.redo == "visual" and check.check == "shot_variety"


def test_shots_that_vary_framing_and_set_pass() -> None:
    frames = [
        _frame(_shot(product_scale=0.4, framing="wide")),
        _frame(_shot(framing="macro", backdrop_style="spotlight"), focus=(20, 110, 80, 80)),
        _frame(_shot(product_scale=0.75, framing="close", backdrop_style="duotone")),
        _frame(_shot(product_scale=0.55, backdrop_style="texture", product_offset=(0.1, 0.0))),
    ]
    similarity, pair = most_alike(frames)
    assert similarity <= QA.max_shot_similarity, (similarity, pair)
    assert shot_variety_check(similarity, pair, "9:16", QA).passed


def test_similarity_ignores_the_caption_band_and_brightness() -> None:
    frame = _frame(_shot())
    captioned = frame.copy()
    captioned[int(frame.shape[0] * 0.75) :, 10:-10] = 255  # a caption card, lower third
    brighter = np.clip(frame.astype(np.int16) + 12, 0, 255).astype(np.uint8)
    assert pair_similarity(frame, captioned) > 0.95
    assert pair_similarity(frame, brighter) > 0.8
    macro = _frame(_shot(framing="macro"), focus=(20, 110, 80, 80))
    assert pair_similarity(frame, macro) < 0.5 < pair_similarity(frame, brighter)


def test_one_photo_filmed_hand_held_three_times_fails() -> None:
    # A phone film of a photo too small to crop: the same picture in every shot, only the
    # hand-held drift moving it a few per cent between the sampled frames.
    frame = _frame(_shot(framing="macro"), focus=(20, 110, 80, 80))
    h, w = frame.shape[:2]
    drifted = [
        np.roll(frame, (round(dy * h), round(dx * w)), axis=(0, 1))
        for dx, dy in ((0.0, 0.0), (0.04, -0.02), (-0.03, 0.03))
    ]
    similarity, pair = most_alike(drifted)
    assert similarity > QA.max_shot_similarity, similarity
    assert not shot_variety_check(similarity, pair, "9:16", QA).passed
