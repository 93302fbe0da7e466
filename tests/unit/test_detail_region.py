"""Where the detail is: the keypoint-densest window of a product, and OCR lines as boxes."""

from __future__ import annotations

import numpy as np

from aistudio.tools.vision.detail import detail_region, text_lines


def _product_with_a_detailed_corner() -> np.ndarray:
    """A plain grey product (400x600 at 100,50) whose lower-right part carries a
    checkerboard (lettering, knurl: many corners); the rest is flat."""
    image = np.full((700, 600, 3), 240, np.uint8)
    image[50:650, 100:500] = 120
    yy, xx = np.mgrid[0:160, 0:160]
    board = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 20, 230).astype(np.uint8)
    image[430:590, 300:460] = board[..., None]
    return image


def test_the_window_lands_on_the_detailed_part_and_stays_inside_the_product() -> None:
    bbox = (100, 50, 400, 600)
    x, y, w, h = detail_region(_product_with_a_detailed_corner(), bbox)
    assert w == h == round(0.4 * 400)
    cx, cy = x + w / 2, y + h / 2
    assert 300 <= cx <= 460 and 430 <= cy <= 590, (x, y, w, h)
    assert x >= 100 and y >= 50 and x + w <= 500 and y + h <= 650


def test_a_product_without_detail_gets_its_middle() -> None:
    flat = np.full((300, 300, 3), 128, np.uint8)
    assert detail_region(flat, (50, 50, 200, 200)) == (110, 110, 80, 80)


def test_a_mask_keeps_the_corners_of_the_backdrop_out() -> None:
    image = _product_with_a_detailed_corner()
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[50:400, 100:500] = 255  # the detailed corner is not part of this product
    _, y, _, h = detail_region(image, (100, 50, 400, 600), mask)
    assert y + h / 2 < 430  # not on the checkerboard


def test_label_lines_are_confident_wordy_and_widest_first() -> None:
    found = [
        ("AURUM", 0.99, (10, 10, 120, 40)),
        ("EAU DE PARFUM", 0.95, (5, 60, 200, 20)),
        ("x", 0.99, (0, 0, 300, 10)),  # a glyph, not a line
        ("Grasse", 0.3, (0, 0, 400, 10)),  # not confident
    ]
    assert text_lines(found, 0.6) == ((5, 60, 200, 20), (10, 10, 120, 40))
