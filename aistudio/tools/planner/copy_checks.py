"""Plan-QA checks on the words a viewer reads and hears (pure).

* `copy_quality`: the copy grammar's rules (`copy_rules.problems`) on every caption, voice line,
  the tagline and the end card, and the brief's own call to action verbatim on the end
  card -> redo concept.
* `caption_fit`: every caption fits two lines at its planned size and the end card shows
  all of its text, measured with the renderer's font; no text is a cut-off version of what
  it came from -> redo assembly.
* `brand_match`: the brand on the photo's label (OCR, or the vision model's reading) is the
  brand the brief names -> a warning: the user sees it, nothing is redone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Concept,
    ProductProfile,
    QACheck,
    RenderPlan,
    ShotList,
)
from aistudio.tools.planner.brief_text import parse_brief
from aistudio.tools.planner.copy_rules import name_problems, problems
from aistudio.tools.planner.fit import END_CARD_LINES, CardPart, caption_lines, end_card_lines
from aistudio.tools.planner.grammar import is_truncation
from aistudio.tools.planner.lexicon import in_lexicon
from aistudio.tools.planner.lines import short_name
from aistudio.tools.render.captions import MAX_LINES

COPY_QUALITY_MIN = 1.0  # every line must read right
CAPTION_FIT_MIN = 1.0  # every text must be shown whole
BRAND_SIMILARITY_MIN = 0.8  # OCR misreads a letter or two; another brand shares far fewer


def _copy_items(
    concept: Concept, shots: ShotList, audio: AudioPlan, plan: RenderPlan
) -> list[tuple[str, str]]:
    items = [("tagline", concept.tagline)]
    items += [(f"shot {s.index + 1} caption", s.caption) for s in shots.shots if s.caption]
    items += [(f"caption {i + 1}", c.text) for i, c in enumerate(plan.captions)]
    items += [(f"voice line {i + 1}", line.text) for i, line in enumerate(audio.script)]
    items += [
        ("end card headline", plan.end_card.headline),
        ("end card call to action", plan.end_card.call_to_action),
    ]
    return items


def _contains_verbatim(text: str, phrase: str) -> bool:
    """`phrase` inside `text` as written (the first letter's case aside)."""
    if not phrase:
        return True
    tail = re.escape(phrase[1:])
    return bool(re.search(rf"(?i:{re.escape(phrase[0])}){tail}", text))


def _without(text: str, phrase: str) -> str:
    """`text` with `phrase` (as written, first letter either case) taken out."""
    pattern = rf"(?i:{re.escape(phrase[0])}){re.escape(phrase[1:])}[.!]?"
    rest = re.sub(pattern, " ", text).strip()
    return rest if re.search(r"\w", rest) else "Yes."  # nothing else to grade


def copy_quality(
    brief: Brief, concept: Concept, shots: ShotList, audio: AudioPlan, plan: RenderPlan
) -> QACheck:
    items = _copy_items(concept, shots, audio, plan)
    stated = parse_brief(brief.text, brief.kind).stated_cta
    if stated:  # the brief's own call to action is kept as written, not graded
        items = [(where, _without(text, stated)) for where, text in items]
    bad = [
        f"{where} {text!r}: {'; '.join(found)}"
        for where, text in items
        if (found := problems(text))
    ]
    if found := name_problems(concept.product_name):  # the name every line is built on
        bad.append(f"product name {concept.product_name!r}: {'; '.join(found)}")
    said = [line.text.strip().lower() for line in audio.script]
    bad += [
        f"voice line {line!r} said twice" for line in sorted({x for x in said if said.count(x) > 1})
    ]
    if stated and not _contains_verbatim(plan.end_card.call_to_action, stated):
        bad.append(
            f"call to action not verbatim: the end card says {plan.end_card.call_to_action!r}, "
            f"the brief asks for {stated!r}"
        )
    score = 1 - len(bad) / (len(items) + 1)
    ok = score >= COPY_QUALITY_MIN
    return QACheck(
        name="plan.copy_quality",
        check="copy_quality",
        score=round(score, 3),
        passed=ok,
        measured=f"{len(items) + 1 - len(bad)}/{len(items) + 1} lines read right",
        value=len(bad),
        violation=None if ok else " | ".join(bad),
        redo=None if ok else "concept",
    )


def caption_fit(shots: ShotList, plan: RenderPlan, concept: Concept) -> QACheck:
    aspects = plan.aspect_ratios
    bad: list[str] = []
    sources = {s.index: s.caption for s in shots.shots}
    for i, caption in enumerate(plan.captions):
        lines = max(
            (caption_lines(caption.text, a, plan.caption_scale) for a in aspects), default=0
        )
        if lines > MAX_LINES:
            bad.append(f"caption {i + 1} {caption.text!r} takes {lines} lines")
        own = caption.text in sources.values()  # a shot's caption as the shot wrote it
        if not own and any(is_truncation(caption.text, src) for src in sources.values() if src):
            bad.append(f"caption {i + 1} {caption.text!r} is cut off")
    card = plan.end_card
    parts: tuple[tuple[CardPart, str, str], ...] = (
        ("headline", card.headline, concept.product_name),
        ("cta", card.call_to_action, concept.call_to_action),
    )
    for part, text, source in parts:
        lines = max((end_card_lines(text, a, part) for a in aspects), default=0)
        if lines > END_CARD_LINES:
            bad.append(f"end card {part} {text!r} takes {lines} lines (shows {END_CARD_LINES})")
        whole = text in (short_name(source), source)  # the brand alone is a whole name
        if not whole and is_truncation(text, source):
            bad.append(f"end card {part} {text!r} is cut off from {source!r}")
    total = len(plan.captions) + 2
    score = 1 - min(len(bad), total) / total
    ok = not bad and score >= CAPTION_FIT_MIN
    return QACheck(
        name="plan.caption_fit",
        check="caption_fit",
        score=round(score, 3),
        passed=ok,
        measured=f"{total - min(len(bad), total)}/{total} texts shown whole",
        value=len(bad),
        violation=None if ok else "; ".join(bad),
        redo=None if ok else "assembly",
    )


def _words(texts: Iterable[str]) -> list[str]:
    return [w for t in texts for w in re.findall(r"[a-z][a-z&'’-]*[a-z]", t.lower()) if len(w) > 2]


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _check(score: float, ok: bool, measured: str, violation: str | None = None) -> QACheck:
    return QACheck(
        name="plan.brand_match",
        check="brand_match",
        score=round(score, 3),
        passed=ok,
        measured=measured,
        violation=None if ok else violation,
        severity="warning",
    )


def brand_match(brief: Brief, product: ProductProfile) -> QACheck:
    """Whether the label's brand is the brief's. The vision model's reading of the brand
    is used when there is one; else the OCR words that look like a brand: no dictionary
    word ("EAU DE PARFUM", "100% COTTON" say nothing about the brand) and no word the brief
    itself uses. Inconclusive (passed) when either side names no brand."""
    named = parse_brief(brief.text, brief.kind, product.detected_text).brand
    analysis = product.analysis
    label_brand = analysis.brand if analysis and analysis.brand else ""
    label = [label_brand] if label_brand else list(product.detected_text)
    shown = ", ".join(label)
    brief_words = _words([named or ""])
    if not brief_words:
        return _check(1.0, True, "the brief names no brand")
    found = _words(label)
    best = max((_similarity(b, c) for b in brief_words for c in found), default=0.0)
    if best >= BRAND_SIMILARITY_MIN:
        return _check(best, True, f"brief {named!r}, label {shown!r}: similarity {best:.2f}")
    said = set(_words([brief.text]))
    brandish = [w for w in found if label_brand or (not in_lexicon(w) and w not in said)]
    if not brandish:
        return _check(1.0, True, f"no brand on the label ({shown or 'no text read'})")
    return _check(
        best,
        False,
        f"brief {named!r}, label {shown!r}: similarity {best:.2f}",
        f"the photo's label reads {shown!r} but the brief names "
        f"{named!r}; check that the photo shows the product the brief is about",
    )
