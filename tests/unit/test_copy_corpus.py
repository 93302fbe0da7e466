"""The 50-brief corpora (tests/corpus/briefs/*.yaml): every brief's offline plan reads
right, shows every caption whole on every aspect, and carries the brief's own call to
action verbatim on the end card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aistudio.artifacts import Brief, JobKind
from aistudio.tools.planner.brief_text import parse_brief
from aistudio.tools.planner.copy_checks import caption_fit, copy_quality
from aistudio.tools.planner.grammar import is_truncation
from tests.unit.test_planner import make_plan

CORPUS = Path(__file__).parents[1] / "corpus" / "briefs"
KINDS: tuple[JobKind, ...] = ("promo", "fashion", "ugc")


def _briefs(kind: JobKind) -> list[dict[str, Any]]:
    items = yaml.safe_load((CORPUS / f"{kind}.yaml").read_text(encoding="utf-8"))
    assert isinstance(items, list)
    return items


CASES = [(kind, i, item) for kind in KINDS for i, item in enumerate(_briefs(kind))]


def test_each_kind_has_fifty_varied_briefs() -> None:
    for kind in KINDS:
        items = _briefs(kind)
        assert len(items) == 50
        with_cta = sum("cta" in item for item in items)
        assert 20 <= with_cta <= 45, with_cta  # some state a call to action, some do not
        texts = [item["text"] for item in items]
        assert len(set(texts)) == 50
        assert sum(t[:1].islower() for t in texts) >= 3  # typed in lowercase
        assert any("\n" in t for t in texts) or kind == "ugc"  # structured "Label:" briefs
        assert any(c.isdigit() for t in texts for c in t)  # prices, sizes, model numbers


def _starts_verbatim(text: str, phrase: str) -> bool:
    """`phrase` inside `text` as written; only the first letter may be capitalised."""
    return any(
        text[i : i + len(phrase)][1:] == phrase[1:] and text[i].lower() == phrase[0].lower()
        for i in range(len(text) - len(phrase) + 1)
    )


@pytest.mark.parametrize(("kind", "index", "item"), CASES, ids=[f"{k}-{i}" for k, i, _ in CASES])
async def test_every_corpus_brief_plans_copy_that_reads_right(
    kind: JobKind, index: int, item: dict[str, Any]
) -> None:
    brief = Brief(
        kind=kind, text=item["text"], voice_over=True, aspect_ratios=("9:16", "1:1", "16:9")
    )
    plan = await make_plan(brief)
    quality = copy_quality(brief, plan.concept, plan.shots, plan.audio, plan.render)
    assert quality.passed, quality.violation
    fit = caption_fit(plan.shots, plan.render, plan.concept)
    assert fit.passed, fit.violation
    assert len(plan.render.captions) == len(plan.shots.shots)
    for caption in plan.render.captions:  # no caption is a brief phrase cut short
        for point in plan.concept.selling_points:
            assert not is_truncation(caption.text, point), (caption.text, point)
    expected = item.get("cta")
    card = plan.render.end_card.call_to_action
    if expected:
        assert _starts_verbatim(card, expected), (card, expected)
        spoken = " ".join(line.text for line in plan.audio.script)
        assert _starts_verbatim(spoken.lower(), expected.lower())
    else:
        assert not parse_brief(item["text"], kind).cta_explicit, card
