"""The colour grade: the fast in-place version gives the textbook formula's exact bytes."""

from __future__ import annotations

import numpy as np
import pytest

from aistudio.artifacts import Grade
from aistudio.tools.render.grading import GRADES, _luts, apply_grade, vignette_mask


def _reference(rgb: np.ndarray, grade: Grade) -> np.ndarray:
    spec, luts = GRADES[grade], _luts(grade)
    out = np.empty_like(rgb)
    for channel in range(3):
        out[..., channel] = luts[channel][rgb[..., channel]]
    work = out.astype(np.float32)
    if abs(spec.saturation - 1.0) > 1e-3:
        luma = work @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        work = luma[..., None] + (work - luma[..., None]) * spec.saturation
    if spec.vignette > 0:
        work *= vignette_mask(rgb.shape[0], rgb.shape[1], spec.vignette)
    result: np.ndarray = np.clip(work, 0, 255).astype(np.uint8)
    return result


@pytest.mark.parametrize("grade", sorted(GRADES))
def test_grade_matches_the_reference_bytes(grade: Grade) -> None:
    rgb = np.random.default_rng(7).integers(0, 256, (321, 190, 3), dtype=np.uint8)
    rgb.flags.writeable = False  # PIL hands out read-only arrays
    assert np.array_equal(apply_grade(rgb, grade), _reference(rgb, grade))
    view = rgb[::2, 1::3]  # not contiguous
    assert np.array_equal(apply_grade(view, grade), _reference(view, grade))
