"""Copy writing for the offline planner: titles, taglines, captions, shot prompts (voice
lines live in `lines.py`).

Everything is built from the parsed brief, so different briefs read differently; a seeded
`random.Random` picks among templates, so the same brief + seed reads the same. Text that
does not fit is replaced by a shorter whole phrase (`grammar.shorter_forms`), never cut.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from aistudio.artifacts import AspectRatio, CameraMove, Framing, JobKind
from aistudio.tools.planner.fit import caption_fits, end_card_fits
from aistudio.tools.planner.grammar import shorter_forms
from aistudio.tools.planner.house_rules import (
    CAPTION_FILLERS,
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    MAX_CAPTION_CHARS,
    PRODUCT_ONLY_CLAUSE,
    REFERENCE_FIDELITY_CLAUSE,
    UGC_SETTINGS,
)
from aistudio.tools.planner.lines import (
    in_sentence,
    is_first_person,
    limit_words,
    lower_first,
    short_name,
    voice_lines,
    word_count,
)

__all__ = [
    "caption_fitter",
    "captions",
    "end_card_headline",
    "fit_text",
    "in_sentence",
    "is_first_person",
    "limit_words",
    "logline",
    "product_only",
    "short_name",
    "shorten",
    "shot_prompt",
    "tagline",
    "title",
    "ugc_setting",
    "voice_lines",
    "word_count",
]

Fits = Callable[[str], bool]

_FRAMING_TEXT: dict[Framing, str] = {
    "wide": "wide establishing shot",
    "medium": "medium shot",
    "close": "close-up",
    "macro": "macro detail shot",
}
_MOVE_TEXT: dict[CameraMove, str] = {
    "push_in": "slow push-in",
    "pull_out": "slow pull-back",
    "pan_left": "smooth pan left",
    "pan_right": "smooth pan right",
    "parallax": "gentle parallax drift",
    "orbit": "slow orbiting arc",
    "handheld": "hand-held phone camera with natural sway",
}


def fit_text(text: str, fits: Fits) -> str | None:
    """`text` if it fits, else its longest shorter form that does (a whole phrase), else
    None: never a cut in the middle of a phrase."""
    if fits(text):
        return text
    return next((form for form in shorter_forms(text) if fits(form)), None)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: the text, else its longest shorter whole phrase, else
    (titles only: nothing shorter parses) whole words up to the limit."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:")
    found = fit_text(text, lambda t: len(t) <= limit)
    if found:
        return found
    out = ""
    for word in text.split():
        if len(f"{out} {word}".strip()) > limit:
            break
        out = f"{out} {word}".strip()
    return out or text[:limit]


def caption_fitter(
    aspects: Sequence[AspectRatio], scale: float = 1.0, limit: int = MAX_CAPTION_CHARS
) -> Fits:
    """Whether a caption fits: within the character limit and on two lines at its planned
    size on every aspect ratio, measured with the renderer's font."""
    return lambda text: len(text) <= max(limit, 12) and caption_fits(text, aspects, scale)


def end_card_headline(name: str, aspects: Sequence[AspectRatio]) -> str:
    """The product name if the end card shows it whole, else its shorter whole forms."""
    for text in (name, short_name(name)):
        found = fit_text(text, lambda t: end_card_fits(t, aspects, "headline"))
        if found:
            return found
    return short_name(name)


def product_only(text: str) -> str | None:
    """`text` fit for a product-only (promo) prompt, or None when it would bring a person in.
    Craft adjectives lose their hand: "hand-polished glass" -> "polished glass"."""
    text = re.sub(r"\bhand-(?=[a-z])", "", text, flags=re.I)
    return None if HUMAN_WORDS.search(text) else text


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def tagline(points: Sequence[str], kind: JobKind, rng: random.Random, fits: Fits) -> str:
    """The first selling point that fits as a caption (a whole phrase), else a stock line."""
    for point in points:
        found = fit_text(point, fits)
        if found:
            return found
    return rng.choice(CAPTION_FILLERS[kind])


def title(name: str, style: str, kind: JobKind) -> str:
    what = {"promo": "product film", "fashion": "fashion film", "ugc": "creator clip"}[kind]
    return shorten(f"{name}: {style} {what}", 60)


def logline(
    name: str, style: str, vibe: str, kind: JobKind, points: Sequence[str], audience: str | None
) -> str:
    what = {
        "promo": "product-only commercial",
        "fashion": "garment-led fashion film",
        "ugc": "hand-held creator-style clip",
    }[kind]
    built_on = ", ".join(lower_first(p) for p in points[:2]) or "its design"
    who = f" for {audience}" if audience else ""
    return (
        f"{_article(style)} {style}, {vibe} {what} of {in_sentence(name)}{who}, "
        f"built on {built_on}."
    )


def ugc_setting(text: str) -> str:
    lowered = text.lower()
    for words, setting in UGC_SETTINGS:
        if any(w in lowered for w in words):
            return setting
    return "bright living room"


def captions(
    name: str,
    points: Sequence[str],
    audience: str | None,
    kind: JobKind,
    count: int,
    rng: random.Random,
    fits: Fits,
) -> list[str]:
    """One on-screen caption per shot: the name, the selling points, then a closer; no
    caption repeats, and each one fits on screen as a whole phrase (a point that does not
    fit is replaced by a shorter whole form of it, or skipped)."""
    pool = [f for f in (fit_text(p, fits) for p in points) if f]
    closers = [f for f in CAPTION_FILLERS[kind] if fits(f)]
    rng.shuffle(closers)
    if audience and fits(f"Made for {audience}"):
        closers.insert(0, f"Made for {audience}")
    opening = fit_text(name, fits) or fit_text(short_name(name), fits)
    out = [opening] if opening else []
    for item in [*pool[: count - 1 - len(out)], *closers, *pool[count - 1 - len(out) :]]:
        if len(out) == count:
            break
        if item.lower() not in {o.lower() for o in out}:
            out.append(item)
    while len(out) < count:  # tiny briefs: fall back on the kind's stock lines
        out.append(closers[len(out) % len(closers)] if closers else "")
    return out


def shot_prompt(
    kind: JobKind,
    name: str,
    framing: Framing,
    move: CameraMove,
    focus: str,
    detail: str | None,
    palette: Sequence[str],
    style: str,
    setting: str,
) -> tuple[str, str]:
    """(description, provider prompt). Every prompt ends with the reference-fidelity clause;
    fashion prompts also carry the garment-detail clause, promo prompts the product-only one.
    """
    colours = ", ".join(palette[:3]) or "neutral tones"
    frame, motion = _FRAMING_TEXT[framing], _MOVE_TEXT[move]
    extra = f", highlighting {lower_first(detail)}" if detail else ""
    name = in_sentence(name)
    description = f"{frame.capitalize()} of {name}, {motion}: {focus}{extra}."
    if kind == "promo":
        prompt = (
            f"{style.capitalize()} product-only commercial of {name}. {frame.capitalize()}"
            f", {motion}. Focus: {focus}{extra}. Seamless studio set, soft key light "
            f"with gentle reflections, palette {colours}. {PRODUCT_ONLY_CLAUSE} "
            f"{REFERENCE_FIDELITY_CLAUSE}"
        )
    elif kind == "fashion":
        prompt = (
            f"{style.capitalize()} fashion film of {name}. {frame.capitalize()}, "
            f"{motion}. Focus: {focus}{extra}. The garment is worn by a model on an "
            f"editorial set, directional light, palette {colours}. "
            f"{GARMENT_FIDELITY_CLAUSE} {REFERENCE_FIDELITY_CLAUSE}"
        )
    else:
        prompt = (
            f"Authentic creator-style phone video of {name}. {frame.capitalize()}, "
            f"{motion}. Focus: {focus}{extra}. A real {setting}, natural window "
            f"light, palette {colours}, no studio polish. {REFERENCE_FIDELITY_CLAUSE}"
        )
    return description, prompt
