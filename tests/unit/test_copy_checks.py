"""The copy checks of plan QA: copy_quality, caption_fit (held to the real renderer) and
brand_match (a warning), and what a warning means for a report."""

from __future__ import annotations

import pytest
from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    EndCard,
    ProductAnalysis,
    QACheck,
    QAReport,
    Violation,
)
from aistudio.tools.planner.copy_checks import brand_match, caption_fit, copy_quality
from aistudio.tools.planner.fit import caption_fits, caption_lines, end_card_lines
from aistudio.tools.render.captions import caption_font_px, render_caption
from aistudio.tools.render.endcard import render_end_card
from aistudio.tools.render.fonts import font
from tests.unit.test_planner import PERFUME, brief, make_plan, product

ASPECTS: tuple[AspectRatio, ...] = ("9:16", "1:1", "16:9")
TEXTS = (
    "Pure presence",
    "Waterproof recycled shell",
    "My picky tabby finally cleans her bowl",
    "Keeps water hot for an hour",
    "Sustainably harvested Madagascar vanilla bean from small farms",
)

# -- the metrics are the renderer's --------------------------------------------------------


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("scale", [1.0, 1.44])
def test_caption_lines_match_what_the_renderer_draws(aspect: AspectRatio, scale: float) -> None:
    width, height = ASPECT_SIZES[aspect]
    size = caption_font_px(width, height, scale)
    for text in TEXTS:
        lines = caption_lines(text, aspect, scale)
        image = render_caption(text, width, height, scale=scale)
        # render_caption's box: lines * 1.25 size + 2 * 0.4 size padding + 2 * 0.3 size margin
        expected = round(size * 1.25) * lines + 2 * round(size * 0.4) + 2 * round(size * 0.3)
        if lines <= 2:
            assert image.height == expected, (text, lines)
        else:  # more than two lines: the renderer had to shrink the type
            assert image.height != expected and caption_fits(text, [aspect], scale) is False


@pytest.mark.parametrize("aspect", ["9:16", "1:1"])
def test_end_card_lines_match_what_the_renderer_keeps(aspect: AspectRatio) -> None:
    """render_end_card draws two lines of call to action and drops the rest: a text the
    predictor says takes three lines renders exactly like its first two lines alone."""
    frame = ASPECT_SIZES[aspect]
    cutout = Image.new("RGBA", (40, 80), (200, 160, 60, 255))

    def card(cta: str) -> bytes:
        end = EndCard(headline="AURUM", call_to_action=cta, backdrop=("#202020", "#000000"))
        return render_end_card(end, cutout, frame, "luxurious", 1.0).tobytes()

    long = "Book your seat for the espresso workshop at beanhouse.example/workshops today"
    short = "Book your seat at beanhouse.example"
    assert end_card_lines(long, aspect, "cta") > 2
    assert end_card_lines(short, aspect, "cta") <= 2
    size = round(0.036 * (frame[0] * frame[1]) ** 0.5)
    width = (0.8 if frame[1] > frame[0] else 0.45) * frame[0] * 0.9
    from aistudio.tools.render.captions import wrap

    two = " ".join(wrap(long, font(size, "Bold"), width)[:2])
    assert card(long) == card(two)  # the third line was never shown
    first = wrap(short, font(size, "Bold"), width)[0]
    assert card(short) != card(first)


# -- copy_quality ---------------------------------------------------------------------------


async def test_the_offline_plan_reads_right() -> None:
    b = brief("promo", PERFUME)
    plan = await make_plan(b)
    check = copy_quality(b, plan.concept, plan.shots, plan.audio, plan.render)
    assert check.passed and check.score == 1.0


async def test_a_broken_line_sends_the_concept_back() -> None:
    b = brief("promo", PERFUME)
    plan = await make_plan(b)
    script = list(plan.audio.script)
    script[1] = script[1].model_copy(update={"text": "Notice the your seat at."})
    audio = plan.audio.model_copy(update={"script": tuple(script)})
    check = copy_quality(b, plan.concept, plan.shots, audio, plan.render)
    assert not check.passed and check.redo == "concept" and check.score < 1.0
    assert check.check == "copy_quality" and check.value == 1
    assert check.violation is not None and "two determiners 'the your'" in check.violation


async def test_the_brief_call_to_action_must_be_on_the_end_card() -> None:
    b = brief("promo", "Espresso workshop, beans roasted this week. Book your seat at bh.example")
    plan = await make_plan(b)
    assert plan.render.end_card.call_to_action == "Book your seat at bh.example"
    card = plan.render.end_card.model_copy(update={"call_to_action": "Shop now"})
    render = plan.render.model_copy(update={"end_card": card})
    check = copy_quality(b, plan.concept, plan.shots, plan.audio, render)
    assert not check.passed and "call to action not verbatim" in (check.violation or "")


# -- caption_fit ----------------------------------------------------------------------------


async def test_a_cut_caption_or_one_that_does_not_fit_goes_back_to_assembly() -> None:
    b = brief("ugc", "My picky tabby finally cleans her bowl! PURRFECT salmon cat food")
    plan = await make_plan(b)
    assert caption_fit(plan.shots, plan.render, plan.concept).passed
    shots = list(plan.shots.shots)
    shots[1] = shots[1].model_copy(update={"caption": "My picky tabby finally cleans her bowl"})
    captions = list(plan.render.captions)
    captions[1] = captions[1].model_copy(update={"text": "My picky tabby finally cleans"})
    render = plan.render.model_copy(update={"captions": tuple(captions)})
    check = caption_fit(plan.shots.model_copy(update={"shots": tuple(shots)}), render, plan.concept)
    assert not check.passed and check.redo == "assembly"
    assert check.check == "caption_fit"
    assert check.violation is not None and "is cut off" in check.violation
    bigger = plan.render.model_copy(update={"caption_scale": 1.6, "captions": tuple(captions)})
    long = [c.model_copy(update={"text": TEXTS[-1]}) for c in plan.render.captions]
    check = caption_fit(
        plan.shots, bigger.model_copy(update={"captions": tuple(long)}), plan.concept
    )
    assert not check.passed and "lines" in (check.violation or "")


async def test_captions_are_refitted_when_qa_enlarges_them() -> None:
    b = brief("fashion", "NORTHWIND storm jacket: relaxed fit for city rain, taped seams")
    feedback = tuple(
        Violation(check="caption_legibility", stage="output", attempt=attempt, caption_index=0)
        for attempt in range(3)
    )
    plan = await make_plan(b, feedback=feedback)
    assert plan.render.caption_scale > 1.5
    assert caption_fit(plan.shots, plan.render, plan.concept).passed


# -- brand_match ----------------------------------------------------------------------------


def test_the_label_brand_matches_the_brief() -> None:
    check = brand_match(brief("promo", PERFUME), product(detected_text=("AURUM", "EAU DE PARFUM")))
    assert check.passed and check.score == 1.0
    misread = brand_match(brief("promo", PERFUME), product(detected_text=("AURLM", "50 ml")))
    assert misread.passed  # OCR misread one letter


def test_another_brand_on_the_label_is_a_warning_the_user_sees() -> None:
    b = brief("promo", PERFUME)
    check = brand_match(b, product(detected_text=("NOCTIS", "EAU DE PARFUM")))
    assert not check.passed and check.severity == "warning" and check.redo is None
    assert check.check == "brand_match"
    assert check.violation is not None
    assert "NOCTIS" in check.violation and "AURUM" in check.violation
    report = QAReport(stage="plan", checks=(check,))
    assert report.passed and report.redo is None  # a warning fails nothing
    assert report.feedback == ()  # and no agent is asked to fix it
    assert report.violations == () and report.warnings == (check.violation,)


def test_the_vision_reading_of_the_brand_is_used_when_there_is_one() -> None:
    seen = product(detected_text=("AURUM",)).model_copy(
        update={"analysis": ProductAnalysis(brand="Noctis Paris", visible_text=("AURUM",))}
    )
    assert not brand_match(brief("promo", PERFUME), seen).passed


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("A linen dress in sage green", ("LINEN",)),  # the brief names no brand
        (PERFUME, ()),  # nothing read on the label
        (PERFUME, ("EAU DE PARFUM", "100 ML")),  # only dictionary words: says nothing
    ],
)
def test_brand_match_is_inconclusive_without_a_brand_on_both_sides(
    text: str, label: tuple[str, ...]
) -> None:
    assert brand_match(brief("promo", text), product(detected_text=label)).passed


def test_a_failing_error_check_still_fails_beside_a_warning() -> None:
    warn = QACheck(name="w", score=0.2, passed=False, violation="w", severity="warning")
    error = QACheck(name="e", score=0.2, passed=False, violation="e", redo="assembly")
    report = QAReport(stage="plan", checks=(warn, error))
    assert not report.passed and report.redo == "assembly" and report.violations == ("e",)
