"""Pure plan-QA check `cutout_quality`: may this plan show the product's cut-out?

Measured figures in, a QACheck out (as nodes/output_checks.py). The score is the one
ingest measured on the mask (aistudio/tools/vision/cutout_quality.py). A plan that uses
the cut-out fails when that score is under the threshold, when the film is UGC (a phone
films the whole scene) or when it is fashion with a person in the photo (a person is kept
whole). The redo goes to the Visual agent, which then picks the full-photo layout.
A plan on the full photo passes: it shows no cut-out at all.
"""

from __future__ import annotations

from typing import Final

from aistudio.artifacts import CutoutQuality, JobKind, Layout, QACheck

CHECK_NAME: Final = "cutout_quality"


def _problem(quality: CutoutQuality, kind: JobKind, threshold: float) -> str | None:
    if kind == "ugc":
        return "a UGC film shows the whole photo, as a phone films it"
    if kind == "fashion" and quality.people:
        return f"{quality.people} person(s) in the photo must stay whole"
    if quality.score < threshold:
        why = "; ".join(quality.reasons[:3]) or "low score"
        return f"the cut-out scores {quality.score:.2f} (needs {threshold:.2f}): {why}"
    return None


def cutout_quality_check(
    quality: CutoutQuality | None, layout: Layout, kind: JobKind, threshold: float
) -> QACheck:
    """`quality` None: a product ingested before the score existed (nothing to judge)."""
    if quality is None:
        return QACheck(
            name=CHECK_NAME, check=CHECK_NAME, score=1.0, passed=True, measured="not measured"
        )
    measured = f"cut-out {quality.score:.2f} by {quality.method}, layout {layout}"
    problem = _problem(quality, kind, threshold) if layout == "cutout" else None
    if problem is None:
        score = 1.0 if layout == "full_photo" else quality.score
        return QACheck(
            name=CHECK_NAME,
            check=CHECK_NAME,
            score=score,
            passed=True,
            measured=measured,
            value=quality.score,
        )
    return QACheck(
        name=CHECK_NAME,
        check=CHECK_NAME,
        score=min(quality.score, 1.0),
        passed=False,
        measured=measured,
        violation=f"{problem}; use the whole photo",
        redo="visual",
        value=quality.score,
    )
