"""Copy writing for the offline planner: captions, voice-over lines, shot prompts.

Everything is built from the parsed brief, so different briefs read differently; the
seeded `random.Random` picks among templates, so the same brief + seed reads the same.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from aistudio.artifacts import CameraMove, Framing, JobKind
from aistudio.tools.planner.brief_text import ParsedBrief
from aistudio.tools.planner.house_rules import (
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    REFERENCE_FIDELITY_CLAUSE,
)

MAX_CAPTION_CHARS = 32

_FRAMING_TEXT: dict[Framing, str] = {
    "wide": "wide establishing shot", "medium": "medium shot", "close": "close-up",
    "macro": "macro detail shot",
}
_MOVE_TEXT: dict[CameraMove, str] = {
    "push_in": "slow push-in", "pull_out": "slow pull-back", "pan_left": "smooth pan left",
    "pan_right": "smooth pan right", "parallax": "gentle parallax drift",
    "orbit": "slow orbiting arc", "handheld": "hand-held phone camera with natural sway",
}


_CLAUSE_BREAK = re.compile(r",\s+|\s+(?:and|with|after|for|in|which|that|so)\s+", re.I)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: the first whole clause if it fits, else whole words."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:")
    if len(text) <= limit:
        return text
    first = _CLAUSE_BREAK.split(text, maxsplit=1)[0].strip(" ,.;:")
    if len(first.split()) >= 2 and len(first) <= limit:
        return first
    words, out = text.split(), ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    out = re.sub(r"\s+(?:and|with|in|of|a|the|for|to|at|by)$", "", out, flags=re.I)
    return out or text[:limit]


def limit_words(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    cut = " ".join(words[:max(1, max_words)]).rstrip(",;:")
    cut = re.sub(r"\s+(?:and|with|in|of|a|the|for|to|at|by)$", "", cut, flags=re.I)
    return cut.rstrip(".") + "."


def product_only(points: Sequence[str]) -> list[str]:
    """Selling points fit for a product-only film (nothing that invites a person in)."""
    return [p for p in points if not HUMAN_WORDS.search(p)]


_CAPTION_FILLERS: dict[JobKind, tuple[str, ...]] = {
    "promo": ("Crafted to impress", "Made to be noticed", "Pure presence", "Designed with care"),
    "fashion": ("New season", "Made to move", "Wear it your way", "Cut for every day"),
    "ugc": ("Honest review", "My daily routine", "Worth the hype?", "Real results"),
}


_LINE_FILLERS: dict[JobKind, tuple[str, ...]] = {
    "promo": ("Made to be noticed.", "Every detail, considered.", "Pure presence."),
    "fashion": ("Made to move.", "Every detail counts.", "Wear it your way."),
    "ugc": ("Honestly, I'm obsessed.", "It's part of my routine now.", "I did not expect this."),
}


def _fit_words(candidates: Sequence[str], budget: int) -> str:
    """The first (richest) candidate within the word budget, else the shortest, trimmed."""
    for candidate in candidates:
        if len(candidate.split()) <= budget:
            return candidate
    return limit_words(min(candidates, key=lambda c: len(c.split())), budget)


def captions(parsed: ParsedBrief, kind: JobKind, count: int, rng: random.Random,
             limit: int) -> list[str]:
    """One on-screen caption per shot: the name, then selling points, never repeated."""
    points = list(dict.fromkeys(shorten(p, limit) for p in parsed.selling_points))
    fillers = [f for f in _CAPTION_FILLERS[kind] if f not in points]
    rng.shuffle(fillers)
    out = [shorten(parsed.product_name, limit)]
    pool = points + fillers
    for item in pool:
        if len(out) == count:
            break
        if item not in out:
            out.append(item)
    return out


def voice_lines(kind: JobKind, parsed: ParsedBrief, budgets: Sequence[int],
                rng: random.Random) -> list[str]:
    """One line per slot, each within its word budget."""
    name = parsed.product_name
    points = list(parsed.selling_points) or ["made to stand out"]
    count = len(budgets)
    short_name = " ".join(name.split()[:2])
    cta = parsed.call_to_action
    if kind == "ugc":
        openers = [[f"Okay, so I've been using {name} for a week.", f"I've been using {name}.",
                    f"I tried {short_name}."],
                   [f"So I finally tried {name}, and honestly?", f"I finally tried {name}.",
                    f"My new favourite: {short_name}."]]
        middles = ["Honestly, {p}.", "What I love: {p}.", "And {p}, which I didn't expect.",
                   "I noticed {p}."]
        closers = [f"{cta}. You'll thank me.", f"{cta}, seriously.", f"{cta}."]
    elif kind == "fashion":
        openers = [[f"This is {name}.", f"{short_name}."],
                   [f"Meet {name}. Made to move.", f"Meet {name}.", f"{short_name}."]]
        middles = ["{p}.", "Every detail counts: {p}.", "Cut for real life: {p}."]
        closers = [f"{name}. {cta}.", f"{cta}."]
    else:
        openers = [[f"Introducing {name}.", f"{name}.", f"{short_name}."],
                   [f"Meet {name}. Pure presence.", f"Meet {name}.", f"{short_name}."]]
        middles = ["{p}.", "{p}, crafted to impress.", "Discover {p}."]
        closers = [f"{name}. {cta}.", f"{cta}."]
    lines = [_fit_words(rng.choice(openers), budgets[0])]
    fillers = list(_LINE_FILLERS[kind])
    rng.shuffle(fillers)
    for i in range(1, count - 1):
        if i - 1 >= len(points):  # out of selling points: a line that carries the mood
            lines.append(_fit_words([fillers[(i - 1 - len(points)) % len(fillers)]],
                                    budgets[i]))
            continue
        point = points[i - 1]
        point = point[:1].lower() + point[1:]
        variants = [t.format(p=point) for t in rng.sample(middles, len(middles))]
        variants += [f"{point}.", f"{shorten(point, 28)}."]
        lines.append(_fit_words(variants, budgets[i]))
    if count > 1:
        lines.append(_fit_words(closers, budgets[-1]))
    return [line[:1].upper() + line[1:] for line in lines]


def shot_prompt(kind: JobKind, parsed: ParsedBrief, framing: Framing, move: CameraMove,
                focus: str, palette: Sequence[str], style: str) -> tuple[str, str]:
    """(description, provider prompt). The prompt always carries the fidelity clause."""
    colours = ", ".join(palette[:3])
    frame = _FRAMING_TEXT[framing]
    motion = _MOVE_TEXT[move]
    if kind == "promo":
        description = f"{frame.capitalize()} of {parsed.product_name}: {focus}."
        prompt = (f"{style.capitalize()} product-only commercial, {frame} of "
                  f"{parsed.product_name} on a seamless studio set, {motion}, soft key light "
                  f"and reflections, palette {colours}. Focus: {focus}. "
                  f"{REFERENCE_FIDELITY_CLAUSE}")
    elif kind == "fashion":
        description = f"{frame.capitalize()} of the {parsed.product_name} garment: {focus}."
        prompt = (f"{style.capitalize()} fashion film, {frame} of {parsed.product_name} worn "
                  f"by a model, {motion}, editorial lighting, palette {colours}. Focus: {focus}."
                  f" {GARMENT_FIDELITY_CLAUSE} {REFERENCE_FIDELITY_CLAUSE}")
    else:
        description = f"{frame.capitalize()}, {motion}: {focus}."
        prompt = (f"Authentic UGC clip, {frame} filmed on a phone, {motion}, a creator shows "
                  f"{parsed.product_name} in a real home with natural window light, palette "
                  f"{colours}. Focus: {focus}. {REFERENCE_FIDELITY_CLAUSE}")
    return description, prompt
