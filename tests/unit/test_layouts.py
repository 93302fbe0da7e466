"""Layout choice, full-photo geometry and drawing, and the cutout_quality plan check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aistudio.artifacts import (
    Asset,
    AssetKind,
    Brief,
    CutoutQuality,
    Framing,
    JobKind,
    ProductProfile,
    QACheck,
    QAReport,
    ShotRender,
    Violation,
)
from aistudio.nodes.cutout_check import cutout_quality_check
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.render.keyframe import keyframe_size
from aistudio.tools.render.layouts import (
    PhotoFacts,
    choose_layout,
    draw_keyframe,
    end_card_subject,
    photo_facts,
)
from aistudio.tools.render.photo_layout import (
    MAX_UPSCALE,
    SAFE_FRACTION,
    PhotoPlacement,
    blurred_fill,
    content_box,
    draw_photo_keyframe,
    place_photo,
)

PORTRAIT = keyframe_size((1080, 1920), 1.18)  # (1274, 2266)
LANDSCAPE = keyframe_size((1920, 1080), 1.18)
PHOTO = (1200, 800)  # a landscape phone photo
FOCUS = (500, 300, 200, 240)  # the product, a little right of centre


def _asset(kind: AssetKind = "normalized") -> Asset:
    return Asset(key=f"{kind}.png", kind=kind, mime="image/png", sha256="0" * 64, size_bytes=1)


def _quality(score: float, people: int = 0) -> CutoutQuality:
    boxes = tuple((100 * i, 50, 80, 90) for i in range(people))
    return CutoutQuality(
        score=score,
        passed=score >= 0.5,
        method="grabcut",
        people=people,
        person_boxes=boxes,
        reasons=() if score >= 0.5 else ("busy backdrop: 52% of the photo's edges lie outside",),
    )


def _product(score: float | None, people: int = 0) -> ProductProfile:
    quality = None if score is None else _quality(score, people)
    return ProductProfile(
        normalized=_asset(),
        cutout=_asset("cutout"),
        width=PHOTO[0],
        height=PHOTO[1],
        bbox=FOCUS,
        palette=("#aa2233",),
        background="#f0f0f0",
        cutout_quality=quality,
        layout="cutout" if quality is None or quality.passed else "full_photo",
    )


@pytest.mark.parametrize(
    ("kind", "score", "people", "refused", "expected"),
    [
        ("promo", 0.9, 0, False, "cutout"),
        ("promo", 0.2, 0, False, "full_photo"),  # the score failed at ingest
        ("promo", 0.9, 0, True, "full_photo"),  # QA refused it
        ("fashion", 0.9, 0, False, "cutout"),  # a garment on its own
        ("fashion", 0.9, 1, False, "full_photo"),  # a person stays whole
        ("promo", 0.9, 1, False, "cutout"),  # promo QA deals with people separately
        ("ugc", 0.9, 0, False, "full_photo"),  # a phone films the real thing
        ("promo", None, 0, False, "cutout"),  # checkpointed before the score existed
    ],
)
def test_choose_layout(
    kind: JobKind, score: float | None, people: int, refused: bool, expected: str
) -> None:
    assert choose_layout(kind, _product(score, people), cutout_refused=refused) == expected


def test_photo_facts_keep_people_whole_and_pick_the_phone_look_for_ugc() -> None:
    facts = photo_facts("fashion", _product(0.9, people=2))
    assert facts.style == "card" and facts.focus == FOCUS
    assert facts.keep_whole[0] == (0, 50, 80, 162)  # head and shoulders below it
    assert photo_facts("ugc", _product(0.9)).style == "phone"


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox - 1 and y >= oy - 1 and x + w <= ox + ow + 1 and y + h <= oy + oh + 1


def _safe(keyframe: tuple[int, int]) -> tuple[int, int, int, int]:
    kw, kh = keyframe
    w, h = round(SAFE_FRACTION * kw), round(SAFE_FRACTION * kh)
    return (kw - w) // 2, (kh - h) // 2, w, h


@pytest.mark.parametrize("framing", ["wide", "medium"])
def test_a_landscape_photo_in_a_vertical_frame_is_a_card_over_its_blurred_fill(
    framing: Framing,
) -> None:
    placed = place_photo(PHOTO, FOCUS, PORTRAIT, framing, "card")
    assert placed.crop == (0, 0, *PHOTO)  # the whole photo
    assert placed.fill and placed.card
    assert _inside(placed.rect, _safe(PORTRAIT))  # every camera move keeps it in view
    assert placed.rect[2] / placed.rect[3] == pytest.approx(1.5, abs=0.01)


def test_a_photo_of_the_frames_shape_fills_it_edge_to_edge() -> None:
    placed = place_photo((1600, 900), FOCUS, LANDSCAPE, "medium", "card")
    assert placed.rect == (0, 0, *LANDSCAPE)
    assert not placed.fill and not placed.card


@pytest.mark.parametrize("framing", ["close", "macro"])
def test_close_shots_show_a_tighter_part_of_the_photo_around_the_product(
    framing: Framing,
) -> None:
    big = (3000, 2000)
    focus = (1300, 800, 300, 360)
    placed = place_photo(big, focus, PORTRAIT, framing, "card")
    assert placed.crop[2] < big[0] and placed.crop[3] < big[1]
    assert _inside(focus, placed.crop)
    assert placed.rect == _safe(PORTRAIT) and placed.card
    assert placed.rect[2] / placed.crop[2] <= MAX_UPSCALE + 0.01  # never blown up past 2x
    wide = place_photo(big, focus, PORTRAIT, "close", "card").crop
    tight = place_photo(big, focus, PORTRAIT, "macro", "card").crop
    assert tight[2] < wide[2]


def test_close_shots_of_a_small_photo_stay_sharp_enough() -> None:
    placed = place_photo((640, 427), (280, 150, 80, 100), PORTRAIT, "macro", "card")
    assert placed.rect[2] / placed.crop[2] <= MAX_UPSCALE + 0.01 or placed.crop[3] == 427


def test_with_people_in_the_photo_no_crop_cuts_them() -> None:
    person = (450, 100, 120, 150)
    framings: tuple[Framing, ...] = ("wide", "medium", "close", "macro")
    for framing in framings:
        placed = place_photo(PHOTO, FOCUS, PORTRAIT, framing, "card", keep_whole=(person,))
        assert _inside(person, placed.crop), framing
    # Nearly the frame's shape, but filling the frame edge to edge would crop the top off,
    # through the head: the whole photo as a card instead.
    near_the_top = (600, 5, 120, 150)
    placed = place_photo((1400, 900), FOCUS, LANDSCAPE, "medium", "card", (near_the_top,))
    assert placed.crop == (0, 0, 1400, 900) and placed.card
    assert place_photo((1400, 900), FOCUS, LANDSCAPE, "medium", "card").rect == (0, 0, *LANDSCAPE)


def test_the_phone_look_crops_to_the_frame_around_the_product() -> None:
    placed = place_photo((900, 1200), (300, 400, 250, 400), PORTRAIT, "medium", "phone")
    assert placed.rect == (0, 0, *PORTRAIT)
    assert not placed.fill and not placed.card
    assert placed.crop[2] / placed.crop[3] == pytest.approx(PORTRAIT[0] / PORTRAIT[1], abs=0.01)
    assert _inside((300, 400, 250, 400), placed.crop)


def test_the_phone_look_shows_a_wide_product_whole_across_the_frame() -> None:
    wide_product = (100, 300, 1000, 300)  # a landscape product in a vertical film
    placed = place_photo(PHOTO, wide_product, PORTRAIT, "medium", "phone")
    assert placed.crop == (0, 0, *PHOTO)
    assert placed.fill and not placed.card  # no card: a phone shows no frame around it
    assert placed.rect[0] == 0 and placed.rect[2] == PORTRAIT[0]


def _photo() -> Image.Image:
    image = Image.new("RGB", PHOTO, (60, 110, 170))
    draw = ImageDraw.Draw(image)
    for x in range(0, PHOTO[0], 40):  # sharp detail everywhere
        draw.line((x, 0, x, PHOTO[1]), fill=(250, 240, 200), width=3)
    x, y, w, h = FOCUS
    draw.rectangle((x, y, x + w, y + h), fill=(200, 30, 40))
    return image


def _sharpness(pixels: np.ndarray) -> float:
    grey = pixels.astype(np.float32).mean(axis=2)
    return float(np.abs(np.diff(grey, axis=1)).mean())


def test_the_card_is_sharp_and_the_fill_behind_it_is_blurred() -> None:
    photo = _photo()
    placed = place_photo(PHOTO, FOCUS, PORTRAIT, "medium", "card")
    frame = np.asarray(draw_photo_keyframe(photo, placed, PORTRAIT, 35.0))
    assert frame.shape == (PORTRAIT[1], PORTRAIT[0], 3)
    x, y, w, h = placed.rect
    card = frame[y + 40 : y + h - 40, x + 40 : x + w - 40]
    fill = frame[40 : y - 80, 40:-40]
    assert _sharpness(card) > 4 * _sharpness(fill)
    # the fill is the photo's own colours, dimmed: blue, not black or grey
    assert fill[..., 2].mean() > fill[..., 0].mean() and fill[..., 2].mean() > 40
    # A card's corners are rounded: there the fill shows, where a plain paste shows photo.
    unrounded = dataclasses.replace(placed, card=False)
    plain = np.asarray(draw_photo_keyframe(photo, unrounded, PORTRAIT, 35.0))
    assert tuple(frame[y + 1, x + 1]) != tuple(plain[y + 1, x + 1])
    assert tuple(frame[y + h // 2, x + w // 2]) == tuple(plain[y + h // 2, x + w // 2])


def test_blurred_fill_covers_any_shape() -> None:
    for size in (PORTRAIT, LANDSCAPE, (1274, 1274)):
        assert blurred_fill(_photo(), size).size == size


def test_full_bleed_placement_is_the_crop_scaled() -> None:
    placed = PhotoPlacement((100, 0, 450, 800), (0, 0, 900, 1600), fill=False, card=False)
    frame = draw_photo_keyframe(_photo(), placed, (900, 1600), 35.0)
    assert frame.size == (900, 1600)


def _shot(framing: Framing) -> ShotRender:
    return ShotRender(
        shot_index=0,
        duration_s=3.0,
        camera_move="push_in",
        framing=framing,
        product_scale=0.5,
        backdrop=("#202020", "#000000"),
    )


def test_draw_keyframe_draws_either_layout_at_keyframe_size() -> None:
    frame = (1080, 1920)
    facts = PhotoFacts(FOCUS)
    photo = draw_keyframe("full_photo", _photo(), _shot("wide"), frame, "natural", 1.18, facts)
    cutout = Image.new("RGBA", (300, 500), (200, 30, 40, 255))
    cut = draw_keyframe("cutout", cutout, _shot("wide"), frame, "luxurious", 1.18, facts)
    assert photo.size == cut.size == PORTRAIT
    assert photo.mode == cut.mode == "RGB"


def test_end_card_subject_is_the_cut_out_or_a_rounded_photo_card() -> None:
    card = end_card_subject("full_photo", _photo())
    assert card.mode == "RGBA" and card.size == PHOTO
    alpha = np.asarray(card.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[PHOTO[1] // 2, PHOTO[0] // 2] == 255
    cutout = Image.new("RGBA", (30, 50), (1, 2, 3, 128))
    assert end_card_subject("cutout", cutout).getpixel((0, 0)) == (1, 2, 3, 128)


# -- the cutout_quality plan check --------------------------------------------------------
def test_cutout_check_passes_a_good_cut_out_and_any_full_photo_plan() -> None:
    good = cutout_quality_check(_quality(0.92), "cutout", "promo", 0.5)
    assert good.passed and good.score == 0.92 and good.redo is None
    photo = cutout_quality_check(_quality(0.1), "full_photo", "promo", 0.5)
    assert photo.passed and photo.score == 1.0
    assert "layout full_photo" in photo.measured
    legacy = cutout_quality_check(None, "cutout", "promo", 0.5)
    assert legacy.passed


@pytest.mark.parametrize(
    ("quality", "kind", "why"),
    [
        (_quality(0.2), "promo", "scores 0.20 (needs 0.50): busy backdrop"),
        (_quality(0.9, people=1), "fashion", "1 person(s) in the photo must stay whole"),
        (_quality(0.9), "ugc", "as a phone films it"),
    ],
)
def test_cutout_check_sends_a_torn_or_wrong_cut_out_back_to_the_visual_agent(
    quality: CutoutQuality, kind: JobKind, why: str
) -> None:
    check = cutout_quality_check(quality, "cutout", kind, 0.5)
    assert not check.passed and check.redo == "visual"
    assert check.violation is not None
    assert check.check == "cutout_quality" and why in check.violation
    assert check.value == quality.score


# -- the Visual agent's reaction ------------------------------------------------------------
def _refused() -> QACheck:
    return cutout_quality_check(_quality(0.2), "cutout", "promo", 0.5)


@pytest.mark.parametrize(
    ("kind", "feedback", "expected"),
    [
        ("promo", (), "cutout"),
        (
            "promo",
            (Violation(check="cutout_quality", stage="plan", detail="scores 0.20 (needs 0.50)"),),
            "full_photo",
        ),
        # in words (a person's note, an LLM judge): the phrase names the check
        (
            "promo",
            (Violation(check="note", detail="torn cut-out, use the whole photo"),),
            "full_photo",
        ),
        # the typed check sent back from a real plan-QA report
        ("promo", QAReport(stage="plan", checks=(_refused(),)).feedback, "full_photo"),
        ("ugc", (), "full_photo"),
    ],
)
async def test_the_visual_agent_switches_to_the_whole_photo_when_qa_refuses_the_cut_out(
    kind: JobKind, feedback: tuple[Violation, ...], expected: str
) -> None:
    planner = OfflinePlanner()
    brief = Brief(kind=kind, text="AURUM Eau de Parfum, amber and vanilla. Shop now")
    product = _product(0.9)
    concept = await planner.concept(brief, product)
    shots = await planner.visual(brief, product, concept, feedback)
    assert shots.layout == expected
    audio = await planner.audio(brief, concept, shots)
    plan = await planner.assembly(brief, product, concept, shots, audio)
    assert plan.layout == expected  # assembly carries the Visual agent's choice


def test_content_box_finds_the_detail_a_torn_mask_lost() -> None:
    """A clear glass bulb on white: faint outline, strong enough edges."""
    image = Image.new("RGB", (450, 650), (246, 245, 242))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 80, 360, 400), outline=(150, 150, 150), width=4)
    draw.rectangle((170, 400, 280, 560), fill=(90, 90, 95))
    x, y, w, h = content_box(image)
    assert abs(x - 90) < 12 and abs(y - 80) < 12
    assert abs(x + w - 360) < 12 and abs(y + h - 560) < 12
    blank = Image.new("RGB", (300, 200), (240, 240, 240))
    assert content_box(blank) == (0, 0, 300, 200)  # nothing to go by: the whole photo


def test_the_phone_look_keeps_the_product_inside_what_hand_held_drift_keeps_in_view() -> None:
    photo = (900, 1600)  # already a phone's shape
    centred = place_photo(photo, (250, 600, 400, 400), PORTRAIT, "wide", "phone")
    assert not centred.fill
    edge_to_edge = (20, 600, 860, 400)  # a product across the whole width
    placed = place_photo(photo, edge_to_edge, PORTRAIT, "wide", "phone")
    assert placed.fill and placed.crop == (0, 0, *photo)  # shown whole, not cut by drift
