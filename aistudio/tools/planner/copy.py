"""Copy writing for the offline planner: taglines, captions, voice-over lines, shot prompts.

Everything is built from the parsed brief, so different briefs read differently; a seeded
`random.Random` picks among templates, so the same brief + seed reads the same.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from aistudio.artifacts import CameraMove, Framing, JobKind
from aistudio.tools.planner.house_rules import (
    CAPTION_FILLERS,
    FIRST_PERSON_WORDS,
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    MOOD_LINES,
    PRODUCT_ONLY_CLAUSE,
    REFERENCE_FIDELITY_CLAUSE,
    UGC_SETTINGS,
)

MIN_CAPTION_CHARS = 14  # shorter limits leave nothing worth reading

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
_CLAUSE_START = re.compile(r"^(?:my|i|i'm|i've|it|it's|you|we|they)\b", re.I)
_VERBISH = re.compile(
    r"\b(?:is|are|was|looks?|feels?|keeps?|makes?|lasts?|stays?|works?|absorbs?|dries|fits?|"
    r"goes|gives?|has|have|can|will|blends?|charges?|holds?|brews?|cleans?|smells?|"
    r"protects?|glows?|softens?|hydrates?|comes?|features?|includes?|delivers?|offers?|"
    r"lets?|helps?|brings?|turns?|runs?|charges?|folds?|packs?|pairs?|needs?)\b",
    re.I,
)
_TRAILING_WEAK = re.compile(r"\s+(?:and|with|in|of|a|an|the|for|to|at|by|or|your|my)$", re.I)
_CLAUSE_BREAK = re.compile(r",\s+|\s+(?:and|with|after|for|in|which|that|so)\s+", re.I)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: the first whole clause if it fits, else whole words."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:")
    if len(text) <= limit:
        return text
    first = _CLAUSE_BREAK.split(text, maxsplit=1)[0].strip(" ,.;:")
    if len(first.split()) >= 2 and len(first) <= limit:
        return first
    out = ""
    for word in text.split():
        candidate = f"{out} {word}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    out = _TRAILING_WEAK.sub("", out)
    return out or text[:limit]


def limit_words(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    cut = " ".join(words[: max(1, max_words)]).rstrip(",;:")
    cut = _TRAILING_WEAK.sub("", cut)
    return cut.rstrip(".") + "."


def word_count(text: str) -> int:
    return len(text.split())


def is_first_person(text: str) -> bool:
    return bool(FIRST_PERSON_WORDS.search(text))


def is_clause(point: str) -> bool:
    """Whether a selling point reads as a clause ("absorbs fast") rather than a noun
    phrase ("gold cap"): templates differ ("I love that it…" vs "I love the…")."""
    return bool(_CLAUSE_START.search(point) or _VERBISH.search(point))


_ADJECTIVE_END = re.compile(
    r"(?:ble|ful|ive|ous|less|proof|weight|ant|ent|ish|ic|al|ile|ed)$", re.IGNORECASE
)


def is_adjectival(point: str) -> bool:
    """Whether a selling point is a bare description ("incredibly versatile", "waterproof")
    that needs "it's …" rather than "the …"."""
    return not is_clause(point) and bool(_ADJECTIVE_END.search(point.rsplit(maxsplit=1)[-1]))


def product_only(text: str) -> str | None:
    """`text` fit for a product-only (promo) prompt, or None when it would bring a person in.
    Craft adjectives lose their hand: "hand-polished glass" -> "polished glass"."""
    text = re.sub(r"\bhand-(?=[a-z])", "", text, flags=re.I)
    return None if HUMAN_WORDS.search(text) else text


def in_sentence(name: str) -> str:
    """A name as it reads mid-sentence: generic names ("The travel mug") lose the capital."""
    return "the" + name[3:] if name.startswith("The ") else name


def short_name(name: str) -> str:
    """A name that can be said in one breath: "AURUM Eau de Parfum" -> "AURUM",
    "The travel mug" -> "The mug"."""
    words = name.split()
    if len(words) <= 2:
        return name
    if words[0] == "The":
        return f"The {words[-1]}"
    if words[0].isupper() or words[1][:1].islower():
        return words[0]
    return " ".join(words[:2])


def _lower_first(text: str) -> str:
    if not text:
        return text
    keep = text[:2].isupper() or text.split(maxsplit=1)[0] in {"I", "I'm", "I've"}
    return text if keep else text[:1].lower() + text[1:]


def _without_it(clause: str) -> str:
    return re.sub(r"^it\s+", "", clause, flags=re.IGNORECASE)


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def tagline(points: Sequence[str], kind: JobKind, rng: random.Random, limit: int) -> str:
    if points:
        return shorten(points[0], limit)
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
    built_on = ", ".join(_lower_first(p) for p in points[:2]) or "its design"
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
    limit: int,
) -> list[str]:
    """One on-screen caption per shot: the name, the selling points, then a closer; no
    caption repeats and none is longer than `limit` characters."""
    limit = max(MIN_CAPTION_CHARS, limit)
    pool = [shorten(p, limit) for p in points]
    closers = [f for f in CAPTION_FILLERS[kind] if len(f) <= limit]
    rng.shuffle(closers)
    if audience and len(f"Made for {audience}") <= limit:
        closers.insert(0, f"Made for {audience}")
    out = [shorten(name, limit)]
    for item in [*pool[: count - 2], *closers, *pool[count - 2 :]]:
        if len(out) == count:
            break
        if item.lower() not in {o.lower() for o in out}:
            out.append(item)
    while len(out) < count:  # tiny briefs: fall back on the kind's stock lines
        out.append(closers[len(out) % max(len(closers), 1)] if closers else shorten(name, limit))
    return out


_HEAD_BREAK = re.compile(r"\s+(?:for|with|in|on|from|of|to|after)\s+", re.I)


def head_phrase(point: str, max_words: int = 3) -> str:
    """The core of a selling point, for when the whole one is too long to say: the part
    before its first preposition, then its last words (where a noun phrase keeps its noun:
    "waterproof recycled shell" -> "recycled shell")."""
    head = _HEAD_BREAK.split(point, maxsplit=1)[0].strip(" ,.;:")
    words = head.split()
    kept = words[:max_words] if is_clause(head) else words[-max_words:]
    while len(kept) > 1 and kept[0].lower() in {"and", "or", "&"}:
        kept.pop(0)
    return " ".join(kept)


Candidate = tuple[str, str]  # (form id, text): the id lets lines avoid repeating a form
Tiers = Sequence[Sequence[Candidate]]  # best tier first: content before stock phrases


def _pick(tiers: Tiers, budget: int, used: set[str], first_person: bool) -> str:
    """The best candidate within the word budget: from the first tier that has one (the
    first person first, when asked), about the richest there, a form not used yet if
    possible. Trimmed to the budget only when nothing fits at all."""
    everything = [c for tier in tiers for c in tier]
    fitting_tiers = [[c for c in tier if word_count(c[1]) <= budget] for tier in tiers]
    pools = [pool for pool in fitting_tiers if pool]
    if first_person:
        spoken_as_i = [[c for c in pool if is_first_person(c[1])] for pool in pools]
        pools = [pool for pool in spoken_as_i if pool] or pools
    if not pools:
        return limit_words(min((c[1] for c in everything), key=word_count), budget)
    pool = pools[0]
    top = max(word_count(c[1]) for c in pool)
    near = [c for c in pool if word_count(c[1]) >= top - 1]  # about as rich as the best
    key, text = next((c for c in near if c[0] not in used), near[0])
    used.add(key)
    return text


def _point_candidates(kind: JobKind, point: str) -> list[list[Candidate]]:
    """Ways to say one selling point: full sentences, the bare point, stock phrases."""
    p, head, head2 = _lower_first(point), head_phrase(point), head_phrase(point, 2)
    h = _lower_first(head)
    if kind == "ugc":
        if is_first_person(point):
            rich = [
                ("honestly", f"Honestly, {p}."),
                ("no-joke", f"And {p}, no joke."),
                ("not-gonna-lie", f"Not gonna lie, {p}."),
                ("head", f"Honestly, {h}."),
            ]
        elif is_adjectival(point):
            rich = [
                ("love-how", f"I love how {p} it is."),
                ("so", f"Honestly, it's so {p}."),
                ("its", f"It's {p}, and I love it."),
                ("love-how-head", f"I love how {h} it is."),
            ]
        elif is_clause(point):
            rich = [
                ("love-that", f"I love that it {_without_it(p)}."),
                ("didnt-expect", f"And it {_without_it(p)}, which I didn't expect."),
                ("noticed", f"What I noticed: it {_without_it(p)}."),
                ("love-that-head", f"I love that it {_without_it(h)}."),
            ]
        else:
            rich = [
                ("what-i-love", f"What I love is the {p}."),
                ("obsessed", f"I'm obsessed with the {p}."),
                ("love-the", f"I love the {p}."),
                ("love-head", f"I love the {h}."),
            ]
        stock = [("love-it", "I love it."), ("obsessed-short", "I'm obsessed.")]
    elif is_adjectival(point):
        rich = [
            ("by-design", f"{point}, by design."),
            ("simply", f"Simply {p}."),
            ("always", f"Always {p}."),
        ]
        stock = (
            [("counts", "Every detail counts.")]
            if kind == "fashion"
            else [("presence-short", "Pure presence.")]
        )
    elif kind == "fashion":
        rich = (
            [("every-time", f"{point}, every time."), ("look-closer", f"Look closer: {p}.")]
            if is_clause(point)
            else [
                ("look-closer", f"Look closer: {p}."),
                ("every-detail", f"{point}, in every detail."),
                ("cut-with", f"Cut with {p}."),
                ("notice", f"Notice the {h}."),
            ]
        )
        stock = [("counts", "Every detail counts.")]
    else:
        rich = (
            [("every-time", f"{point}, every time."), ("presence", f"{point}. Pure presence.")]
            if is_clause(point)
            else [
                ("notice", f"Notice the {p}."),
                ("every-detail", f"{point}, in every detail."),
                ("discover", f"Discover the {p}."),
                ("notice-head", f"Notice the {h}."),
            ]
        )
        stock = [("presence-short", "Pure presence.")]
    bare = [
        ("bare", f"{point}."),
        ("head", f"{head[:1].upper() + head[1:]}."),
        ("head2", f"{head2[:1].upper() + head2[1:]}."),
    ]
    return [rich, bare, stock]


def _spare_point(kind: JobKind, point: str) -> str:
    """A selling point said in passing, appended to a line that has words to spare."""
    p = _lower_first(point)
    if is_adjectival(point):
        return f"And so {p}." if kind == "ugc" else f"{point}, too."
    if kind == "ugc":
        if is_clause(point) and not is_first_person(point):
            return f"And it {_without_it(p)}."
        return f"And {p}." if is_clause(point) else f"Plus, the {p}."
    return f"And {p}." if is_clause(point) else f"{point}, too."


def _pad(line: str, extras: list[str], budget: int) -> str:
    """Append spare sentences from `extras` (consumed) while the line stays in budget."""
    for extra in list(extras):
        if word_count(line) + word_count(extra) <= budget:
            line = f"{line} {extra}"
            extras.remove(extra)
    return line


def _bookends(kind: JobKind, name: str, cta: str) -> tuple[list[Candidate], list[Candidate]]:
    """(openers, closers) for a kind; the last of each is the bare fallback."""
    brief, cta_low = short_name(name), _lower_first(cta)
    # Sentence-initial uses keep `name`/`brief`; mid-sentence ones read "the travel mug".
    mid, mid_brief = in_sentence(name), in_sentence(short_name(name))
    if kind == "ugc":
        return (
            [
                ("week", f"Okay, so I've been using {mid} for a week now."),
                ("finally", f"So I finally tried {mid}, and honestly?"),
                ("every-day", f"I've been using {mid} every single day."),
                ("using", f"I've been using {mid}."),
                ("tried", f"I tried {mid_brief}."),
                ("tried-this", "I tried this."),
            ],
            [
                ("thank-me", f"{cta}. You'll thank me."),
                ("seriously", f"Seriously, {cta_low}. Trust me."),
                ("trust-me", f"{cta}, trust me."),
                ("cta", f"{cta}."),
            ],
        )
    if kind == "fashion":
        return (
            [
                ("made-to-move", f"This is {mid}. Made to move."),
                ("new-season", f"Meet {mid}, new season."),
                ("this-is", f"This is {mid}."),
                ("meet", f"Meet {mid}."),
                ("meet-short", f"Meet {mid_brief}."),
                ("name", f"{brief}."),
            ],
            [
                ("name-cta", f"{name}. {cta}."),
                ("short-cta", f"{brief}. {cta}."),
                ("cta", f"{cta}."),
            ],
        )
    return (
        [
            ("presence", f"Introducing {mid}. Pure presence."),
            ("never-seen", f"This is {mid}, as never seen."),
            ("introducing", f"Introducing {mid}."),
            ("meet", f"Meet {mid}."),
            ("introducing-short", f"Introducing {mid_brief}."),
            ("name", f"{brief}."),
        ],
        [("name-cta", f"{name}. {cta}."), ("short-cta", f"{brief}. {cta}."), ("cta", f"{cta}.")],
    )


def voice_lines(
    kind: JobKind,
    name: str,
    points: Sequence[str],
    cta: str,
    budgets: Sequence[int],
    rng: random.Random,
    audience: str | None = None,
) -> list[str]:
    """One line per slot: an opener, one selling point per middle slot, a closer with the
    call to action. Each line is the richest form within its word budget, forms do not
    repeat, and lines with words to spare take the selling points no shot shows. UGC lines
    are kept in the first person whenever a first-person form fits."""
    count = len(budgets)
    ugc = kind == "ugc"
    used: set[str] = set()
    openers, closers = _bookends(kind, name, cta)
    # _pick takes the richest that fits; the shuffle varies equally rich forms by brief.
    opener_tiers = [rng.sample(openers[:-1], len(openers) - 1), openers[-1:]]
    closer_tiers = [rng.sample(closers[:-1], len(closers) - 1), closers[-1:]]
    spoken = min(max(count - 2, 0), len(points))
    spare = [_spare_point(kind, p) for p in points[spoken:]]
    moods = list(MOOD_LINES[kind])
    rng.shuffle(moods)
    opener = _pick(opener_tiers, budgets[0], used, ugc)
    lines = [_pad(opener, [f"Made for {audience}."], budgets[0]) if audience else opener]
    for i in range(1, count - 1):
        if i - 1 < len(points):
            tiers = [rng.sample(tier, len(tier)) for tier in _point_candidates(kind, points[i - 1])]
        else:  # out of selling points: a line that carries the mood
            tiers = [[(f"mood-{m}", m) for m in moods]]
        lines.append(_pad(_pick(tiers, budgets[i], used, ugc), spare, budgets[i]))
    if count > 1:
        lines.append(_pick(closer_tiers, budgets[-1], used, ugc))
    return [line[:1].upper() + line[1:] for line in lines]


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
    extra = f", highlighting {_lower_first(detail)}" if detail else ""
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
