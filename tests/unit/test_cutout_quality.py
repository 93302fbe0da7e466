"""The cut-out score as a pure function: each measured property moves it the right way."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from aistudio.tools.vision.cutout_quality import (
    BACKDROP_DETAIL,
    SEPARATION,
    Ramp,
    backdrop_detail,
    edge_contact,
    fragments_and_holes,
    person_cut,
    raggedness,
    score_cutout,
    separation,
)

H, W = 360, 480
THRESHOLD = 0.5


def disc_mask(cx: int = W // 2, cy: int = H // 2, r: int = 110) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, (cx, cy), r, 255, -1)
    return mask


def packshot(mask: np.ndarray, backdrop: np.ndarray | None = None) -> np.ndarray:
    """A red product (with some lettering-like detail) on a plain off-white backdrop."""
    rgb = np.full((H, W, 3), (240, 238, 232), np.uint8) if backdrop is None else backdrop.copy()
    product = np.full((H, W, 3), (180, 30, 40), np.uint8)
    for y in range(H // 2 - 30, H // 2 + 30, 12):
        product[y : y + 4, W // 2 - 60 : W // 2 + 60] = (250, 220, 200)
    inside = mask > 127
    rgb[inside] = product[inside]
    return rgb


def torn(mask: np.ndarray, seed: int = 3) -> np.ndarray:
    """The same mask with a zigzag, bitten edge (what GrabCut leaves in fur or foliage)."""
    rng = np.random.default_rng(seed)
    edge = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    ys, xs = np.nonzero(edge)
    out = mask.copy()
    for i in rng.choice(len(xs), size=len(xs) // 3, replace=False):
        cv2.circle(out, (int(xs[i]), int(ys[i])), int(rng.integers(3, 9)), 0, -1)
    return out


def busy_backdrop(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rgb = np.zeros((H, W, 3), np.uint8)
    for _ in range(160):  # a cluttered room: many objects of many colours
        x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(rgb, (x, y), (x + int(rng.integers(8, 50)), y + 20), colour, -1)
    return rgb


def test_ramp_maps_clean_to_one_and_torn_to_zero_in_either_direction() -> None:
    rising = Ramp(0.1, 0.3)
    assert rising.goodness(0.05) == 1.0 and rising.goodness(0.4) == 0.0
    assert rising.goodness(0.2) == pytest.approx(0.5)
    assert SEPARATION.goodness(0.9) == 1.0 and SEPARATION.goodness(0.1) == 0.0
    assert BACKDROP_DETAIL.goodness(0.0) == 1.0


def test_clean_packshot_cut_scores_high() -> None:
    mask = disc_mask()
    quality = score_cutout(packshot(mask), mask, "grabcut", threshold=THRESHOLD)
    assert quality.passed and quality.score > 0.9, quality
    assert quality.raggedness < 0.1
    assert quality.edge_contact == 0.0
    assert quality.separation is not None and quality.separation > 0.8
    assert quality.backdrop_detail is not None and quality.backdrop_detail < 0.05
    assert quality.reasons == ()


def test_a_torn_edge_measures_ragged() -> None:
    clean = (disc_mask() > 127).astype(np.uint8)
    bitten = (torn(disc_mask()) > 127).astype(np.uint8)
    assert raggedness(clean) < 0.08
    assert raggedness(bitten) > raggedness(clean) + 0.05


def test_a_thin_stem_is_detail_not_raggedness() -> None:
    """Smoothing along the contour keeps a stem (both its sides are smooth lines)."""
    mask = disc_mask()
    cv2.rectangle(mask, (W // 2 - 3, 20), (W // 2 + 3, H // 2), 255, -1)
    assert raggedness((mask > 127).astype(np.uint8)) < 0.1


def test_crumbs_and_holes_are_counted() -> None:
    mask = disc_mask()
    for x in range(20, W - 20, 40):  # specks around the product
        cv2.circle(mask, (x, 20), 4, 255, -1)
    for x in (-60, -20, 20, 60):  # four holes through it
        cv2.circle(mask, (W // 2 + x, H // 2), 8, 0, -1)
    crumbs, holes = fragments_and_holes((mask > 127).astype(np.uint8))
    assert crumbs > 0.01
    assert holes == 4


def test_a_subject_chopped_by_the_frame_touches_the_edge() -> None:
    chopped = disc_mask(cy=H - 40, r=150)  # a portrait cut at the chest by the frame
    assert edge_contact((disc_mask() > 127).astype(np.uint8)) == 0.0
    assert edge_contact((chopped > 127).astype(np.uint8)) > 0.2
    quality = score_cutout(packshot(chopped), chopped, "grabcut", threshold=THRESHOLD)
    assert not quality.passed
    assert any("frame edge" in why for why in quality.reasons)


def test_a_cut_through_uniform_texture_does_not_separate_colours() -> None:
    rgb = busy_backdrop()
    mask = disc_mask()
    binary = (mask > 127).astype(np.uint8)
    assert separation(rgb, binary) < 0.3  # same clutter either side of the cut
    assert separation(packshot(mask), binary) > 0.8


def test_a_busy_backdrop_leaves_detail_outside_the_cut() -> None:
    mask = disc_mask()
    rgb = packshot(mask, busy_backdrop())
    binary = (mask > 127).astype(np.uint8)
    assert backdrop_detail(rgb, binary) > 0.4
    quality = score_cutout(rgb, mask, "grabcut", threshold=THRESHOLD)
    assert not quality.passed
    assert quality.reasons[0].startswith("busy backdrop")  # the worst reason comes first


def test_a_mask_that_lost_part_of_the_product_leaves_its_edges_behind() -> None:
    """The light-bulb case: a clean cut of the base, the bulb's outline left outside."""
    product = disc_mask()
    rgb = packshot(product)
    cv2.circle(rgb, (W // 2, H // 2 - 40), 100, (120, 120, 120), 3)  # glass outline
    base_only = np.zeros_like(product)
    cv2.rectangle(base_only, (W // 2 - 40, H // 2 + 40), (W // 2 + 40, H // 2 + 100), 255, -1)
    rgb[base_only > 127] = (90, 90, 95)
    quality = score_cutout(rgb, base_only, "grabcut", threshold=THRESHOLD)
    assert quality.backdrop_detail is not None and quality.backdrop_detail > 0.35
    assert not quality.passed


FACE = (W // 2 - 30, 60, 60, 70)  # x, y, w, h


def person_mask(*, head: bool = True, neck: bool = True, face_cut: bool = False) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    x, y, w, h = FACE
    if head:
        cv2.ellipse(mask, (x + w // 2, y + h // 2), (w // 2, h // 2), 0, 0, 360, 255, -1)
    if face_cut:
        mask[y : y + h // 2 + 5, :] = 0
    if neck:
        cv2.rectangle(mask, (x + 18, y + h - 5), (x + w - 18, y + h + 30), 255, -1)
    cv2.rectangle(mask, (x - 60, y + h + 25), (x + w + 60, H - 30), 255, -1)  # shoulders, body
    return mask


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ({}, None),
        ({"neck": False}, "neck"),
        ({"head": False, "neck": False}, "without its head"),
        ({"face_cut": True}, "through a face"),
    ],
)
def test_people_cut_by_the_mask_are_found(shape: dict[str, bool], expected: str | None) -> None:
    binary = (person_mask(**shape) > 127).astype(np.uint8)
    how = person_cut(binary, FACE, 1.0)
    if expected is None:
        assert how is None
    else:
        assert how is not None and expected in how


def test_a_cut_person_scores_zero_whatever_else() -> None:
    mask = person_mask(neck=False)
    rgb = packshot(mask)
    whole = score_cutout(rgb, person_mask(), "grabcut", threshold=THRESHOLD, faces=[FACE])
    cut = score_cutout(rgb, mask, "grabcut", threshold=THRESHOLD, faces=[FACE])
    assert whole.people == 1 and whole.people_cut == 0
    assert cut.people_cut == 1 and cut.score == 0.0 and not cut.passed
    assert "neck" in cut.reasons[0]
    assert cut.person_boxes == (FACE,)


def test_scores_do_not_depend_on_the_upload_size() -> None:
    mask = torn(disc_mask())
    rgb = packshot(mask)
    small = score_cutout(rgb, mask, "grabcut", threshold=THRESHOLD)
    big = score_cutout(
        cv2.resize(rgb, (W * 3, H * 3), interpolation=cv2.INTER_NEAREST),
        cv2.resize(mask, (W * 3, H * 3), interpolation=cv2.INTER_NEAREST),
        "grabcut",
        threshold=THRESHOLD,
    )
    assert big.score == pytest.approx(small.score, abs=0.1)
    assert big.raggedness == pytest.approx(small.raggedness, abs=0.03)


def test_the_files_own_alpha_is_judged_on_shape_and_people_only() -> None:
    """Colours under transparency are arbitrary and a tight crop touches the frame."""
    mask = disc_mask(cy=H - 40, r=150)
    rgb = busy_backdrop()
    quality = score_cutout(rgb, mask, "alpha", threshold=THRESHOLD)
    assert quality.separation is None and quality.backdrop_detail is None
    assert quality.passed


def test_no_cut_out_and_empty_masks_score_zero() -> None:
    rgb = packshot(disc_mask())
    full = score_cutout(rgb, np.full((H, W), 255, np.uint8), "full", threshold=THRESHOLD)
    empty = score_cutout(rgb, np.zeros((H, W), np.uint8), "remover", threshold=THRESHOLD)
    assert (full.score, full.passed, empty.score, empty.passed) == (0.0, False, 0.0, False)
    assert empty.method == "remover"


def test_threshold_decides_the_verdict() -> None:
    mask = disc_mask(cy=H - 125, r=110)  # grazes the frame's bottom band: a middling score
    rgb = packshot(mask)
    score = score_cutout(rgb, mask, "grabcut", threshold=0.0).score
    assert 0.0 < score < 1.0
    assert score_cutout(rgb, mask, "grabcut", threshold=score).passed
    assert not score_cutout(rgb, mask, "grabcut", threshold=min(1.0, score + 0.01)).passed


# -- GrabCut's hole filling -----------------------------------------------------------------
def test_backdrop_seen_through_the_product_stays_a_hole_a_pale_label_does_not() -> None:
    from aistudio.tools.vision.mask import product_mask

    rgb = np.full((H, W, 3), (240, 238, 232), np.uint8)
    cv2.circle(rgb, (150, H // 2), 100, (30, 60, 150), 28)  # a ring: backdrop in its middle
    cv2.rectangle(rgb, (300, 80), (420, 300), (150, 40, 30), -1)  # a bottle...
    cv2.rectangle(rgb, (320, 140), (400, 240), (252, 250, 236), -1)  # ...with a pale label
    mask = product_mask(rgb).mask
    assert mask[H // 2, 150] < 128  # the ring's middle is the backdrop
    assert mask[190, 360] > 127  # the label is the product
    quality = score_cutout(rgb, mask, "grabcut", threshold=THRESHOLD)
    assert quality.holes >= 1 and quality.passed
