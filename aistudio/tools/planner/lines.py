"""Voice-over lines for the offline planner, built from what the grammar parsed.

A selling point goes into a template only when it is the template's kind of phrase:
"Notice the {noun phrase}.", "It {predicate}.", "Simply {adjective phrase}.", a clause as its
own sentence. A point the grammar cannot place is said as the brief wrote it, or not at
all; the brief's call to action is said verbatim.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from typing import Literal

from aistudio.artifacts import JobKind
from aistudio.tools.planner.copy_rules import FOCUS_ADVERBS, problems
from aistudio.tools.planner.grammar import Kind, classify, shorter_forms, tokens
from aistudio.tools.planner.house_rules import FIRST_PERSON_WORDS, MOOD_LINES
from aistudio.tools.planner.lexicon import adjective_preferred, in_lexicon, is_gradable

Candidate = tuple[str, str]  # (form id, text): the id lets lines avoid repeating a form
# What a slot too short for any real line says: whole sentences, never a cut one.
TINY_LINES = ("Love it.", "So good.", "Wow.")
Tiers = Sequence[Sequence[Candidate]]  # best tier first: content before stock phrases


def word_count(text: str) -> int:
    return len(text.split())


def is_first_person(text: str) -> bool:
    return bool(FIRST_PERSON_WORDS.search(text))


def lower_first(text: str) -> str:
    """Lowercase the first letter unless it starts a name ("AURUM", "I", "iPhone")."""
    if not text:
        return text
    words = text.split()
    first = words[0]
    keep = (
        first[:2].isupper()
        or first in {"I", "I'm", "I've", "I'd"}
        or first[1:] != first[1:].lower()
        or is_name_phrase(text)
    )
    return text if keep else text[:1].lower() + text[1:]


_NAME_LINKS = frozenset({"au", "de", "du", "la", "le", "of", "&", "and"})


def is_name_phrase(text: str) -> bool:
    """Whether `text` opens with a name of several capitalised words ("Cafe au Lait",
    "Midnight Plum scented candle"): its first capital is no sentence case."""
    words = text.split()[:4]
    k = 1
    while k < len(words) - 1 and words[k] in _NAME_LINKS:
        k += 1
    nxt = words[k] if k < len(words) else ""
    return nxt[:1].isupper() and nxt not in {"I", "I'm", "I've", "I'd"}


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def in_sentence(name: str) -> str:
    """A name as it reads mid-sentence: generic names lose the capital ("the travel mug"),
    a brand with a common noun takes "the" ("the Lumen desk lamp"), a brand alone or a
    name that is all brand does not ("AURUM Eau de Parfum", "VOLTA")."""
    if name.startswith("The "):
        return "the" + name[3:]
    words = name.split()
    if re.search(r"[a-z]['’]s$", words[0]):  # "Grandma's strawberry jam" takes no article
        return name
    return f"the {name}" if len(words) > 1 and words[-1].islower() else name


def is_plural(name: str) -> bool:
    last = name.rsplit(maxsplit=1)[-1].lower()
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def short_name(name: str) -> str:
    """A name said in one breath: "AURUM Eau de Parfum" -> "AURUM", "The travel mug" ->
    "The mug"."""
    words = name.split()
    if len(words) <= 2 or ("&" in words and len(words) <= 4):  # "OSCAR & FINN" is one name
        return name
    if words[0] == "The":  # "The merino base layer" -> "The base layer", not "The layer"
        return name if len(words) <= 4 else f"The {' '.join(words[-2:])}"
    first = re.sub(r"['’]s$", "", words[0].strip(".,'’"))  # "LOOM's new beanie" -> "LOOM"
    if (first.isupper() and len(first) > 1) or not in_lexicon(first.lower()):
        numbered = len(words) > 1 and any(c.isdigit() for c in words[1])
        return f"{first} {words[1]}" if numbered else first  # the brand: "AURUM", "BOLT 3"
    return name


def limit_words(text: str, max_words: int) -> str:
    """`text` within `max_words`: its leading whole sentences, else its longest shorter
    form (a whole phrase), else its first word-budget of words up to a phrase boundary."""
    if word_count(text) <= max_words:
        return text
    kept = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if word_count(f"{kept} {sentence}") > max_words:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    for form in shorter_forms(text.rstrip(".!?")):
        if word_count(form) <= max_words:
            return form + "."
    return " ".join(text.split()[:max_words]).rstrip(",;:") + "."


def _bare(kind: Kind | None, point: str) -> bool:
    """Whether a noun phrase reads after "the": no determiner of its own, not a name."""
    toks = [t for t in tokens(point) if t.is_word]
    named = is_name_phrase(point)  # "Cafe au Lait" is said as written, without "the"
    if not toks or named or toks[0].lower in FOCUS_ADVERBS:  # not "the just fruit"
        return False
    return kind == "np" and not toks[0].has("DET", "POSS", "NAME", "NUM")


def _np_candidates(kind: JobKind, point: str, p: str) -> list[Candidate]:
    first = next((t for t in tokens(point) if t.is_word), None)
    if first is not None and first.has("NUM"):
        return []  # "80 km range" takes no article of its own: said as written
    if not _bare("np", point):  # "our head barista", "this Saturday": said as written
        return []
    if kind == "ugc":
        return [
            ("what-i-love", f"What I love is the {p}."),
            ("obsessed", f"I'm obsessed with the {p}."),
            ("love-the", f"I love the {p}."),
        ]
    if kind == "fashion":
        return [
            ("look-closer", f"Look closer: {p}."),
            ("every-detail", f"{upper_first(point)}, in every detail."),
            ("notice", f"Notice the {p}."),
        ]
    return [
        ("notice", f"Notice the {p}."),
        ("every-detail", f"{upper_first(point)}, in every detail."),
        ("discover", f"Discover the {p}."),
    ]


def _participle_phrase(point: str) -> bool:
    """A participle with what it takes: "picked this morning", "signed by the artist"."""
    toks = [t for t in tokens(point) if t.is_word]
    return bool(toks) and toks[0].has("VBN") and not toks[0].has("ADJ")  # "Sprayed."


def point_candidates(kind: JobKind, point: str) -> list[list[Candidate]]:
    """Ways to say one selling point, by what the grammar says it is: full sentences, then
    the point as written, then its shorter whole forms."""
    form = classify(point)
    p = lower_first(point)
    rich: list[Candidate] = []
    if form == "np":
        rich = _np_candidates(kind, point, p)
    elif form == "pred":
        rich = (
            [
                ("love-that", f"I love that it {p}."),
                ("didnt-expect", f"And it {p}, which I didn't expect."),
                ("noticed", f"What I noticed: it {p}."),
                ("it", f"It {p}."),
            ]
            if kind == "ugc"
            else [("it", f"It {p}."), ("every-time", f"It {p}, every time.")]
        )
    elif form == "adjp" and _participle_phrase(point):
        rich = []  # "Picked this morning." reads; "Simply picked this morning." does not
    elif form == "adjp":
        last = point.rsplit(maxsplit=1)[-1].lower()
        gradable = is_gradable(last) or adjective_preferred(last)
        rich = (
            [("its-love", f"It's {p}, and I love it."), ("honestly-its", f"Honestly, it's {p}.")]
            if kind == "ugc"
            else [("by-design", f"{upper_first(point)}, by design.")]
            + ([] if p.startswith("simpl") else [("simply", f"Simply {p}.")])  # "Simply simple"
        )
        if kind == "ugc" and gradable and len(point.split()) == 1:
            rich.append(("so", f"Honestly, it's so {p}."))
    elif form == "clause" and kind == "ugc":
        rich = (
            [("honestly", f"Honestly, {p}."), ("not-gonna-lie", f"Not gonna lie, {p}.")]
            if is_first_person(point)
            else [("and-clause", f"And {p}."), ("honestly", f"Honestly, {p}.")]
        )
    bare = [("bare", f"{upper_first(point)}.")]
    shorter = [(f"short-{i}", f"{upper_first(s)}.") for i, s in enumerate(shorter_forms(point))]
    return [rich, bare, shorter]


def spare_point(kind: JobKind, point: str) -> str | None:
    """A selling point said in passing, after a line with words to spare."""
    form, p = classify(point), lower_first(point)
    if form == "adjp" and _participle_phrase(point):
        return None  # "Sprayed. And it's rinsed.": what the creator did, not what it is
    if form == "pred":
        return f"And it {p}."
    if form == "clause":
        return f"And {p}."
    if form == "np" and _bare(form, point):
        return f"Plus, the {p}." if kind == "ugc" else f"{upper_first(point)}, too."
    if form == "adjp":
        return f"And it's {p}." if kind == "ugc" else f"{upper_first(point)}, too."
    return None


def pick(
    tiers: Tiers,
    budget: int,
    used: set[str],
    first_person: Literal["", "prefer", "require"],
    *,
    plain: bool = False,
) -> str:
    """The best candidate within the word budget: from the first tier that has one (the
    first person first, when asked), about the richest there, a form not used yet if
    possible. Cut to a whole phrase only when nothing fits at all."""
    everything = [c for tier in tiers for c in tier]
    pools = [p for p in ([c for c in tier if word_count(c[1]) <= budget] for tier in tiers) if p]
    if first_person == "require":
        spoken_as_i = [[c for c in pool if is_first_person(c[1])] for pool in pools]
        pools = [pool for pool in spoken_as_i if pool] or pools
    if not pools:
        cut = limit_words(min((c[1] for c in everything), key=word_count), budget)
        if not problems(cut):
            return cut
        # A cut that stops on a dangling word ("Honestly, I'm.") is no line at all.
        return next((t for t in TINY_LINES if word_count(t) <= budget), TINY_LINES[-1])
    pool = pools[0]  # content before stock: "prefer" picks the first person within a tier
    if first_person == "prefer" and any(is_first_person(c[1]) for c in pool):
        pool = [c for c in pool if is_first_person(c[1])]
    if all(c[0].startswith("short-") for c in pool):
        return pool[0][1]  # the longest shorter form that fits: "Dark chocolate", not "Chocolate"
    if plain:  # the fewest words this tier has
        fewest = min(word_count(c[1]) for c in pool)
        pool = [c for c in pool if word_count(c[1]) == fewest]
    top = max(word_count(c[1]) for c in pool)
    near = [c for c in pool if word_count(c[1]) >= top - 1]  # about as rich as the best
    # A form not said yet, the richest first; a line said twice reads as a glitch.
    fresh = [c for c in near if c[0] not in used] or [c for c in pool if c[0] not in used]
    key, text = (fresh or near)[0]
    used.add(key)
    return text


def pad(line: str, extras: list[str], budget: int) -> str:
    """Append spare sentences from `extras` (consumed) while the line stays in budget."""
    for extra in list(extras):
        if word_count(line) + word_count(extra) <= budget:
            line = f"{line} {extra}"
            extras.remove(extra)
    return line


def bookends(kind: JobKind, name: str, cta: str) -> tuple[list[Candidate], list[Candidate]]:
    """(openers, closers) for a kind; the last of each is the bare fallback. The call to
    action is said as the brief wrote it."""
    cta_low = lower_first(cta)
    # "Seriously, shop now." reads; "Seriously, available at all pharmacies." does not.
    imperative = classify(cta.split(" · ", maxsplit=1)[0]) == "imperative"
    mid, mid_brief = in_sentence(name), in_sentence(short_name(name))
    words = name.split()
    numbered = len(words) > 1 and words[1][:1].isdigit()  # "BOLT 3", not "BOLT"
    first = " ".join(words[:2]) if numbered else words[0]
    brand = first if words[0].isupper() and len(words[0]) > 2 and first != mid_brief else ""
    if kind == "ugc":
        return (
            [
                ("week", f"Okay, so I've been using {mid} for a week now."),
                ("finally", f"So I finally tried {mid}, and honestly?"),
                ("every-day", f"I've been using {mid} every single day."),
                ("using", f"I've been using {mid}."),
                ("tried", f"I tried {mid_brief}."),
                *([("tried-brand", f"I tried {brand}.")] if brand else []),
                ("tried-this", "I tried this."),
            ],
            [
                ("thank-me", f"{cta}. You'll thank me."),
                *([("seriously", f"Seriously, {cta_low}. Trust me.")] if imperative else []),
                ("trust-me", f"{cta}. Trust me."),
                ("cta", f"{cta}."),
            ],
        )
    this_is = "These are" if is_plural(name) else "This is"
    opener = this_is if kind == "fashion" else "Introducing"
    tail = "Made to move." if kind == "fashion" else "Pure presence."
    said, said_brief = upper_first(mid), upper_first(mid_brief)
    return (
        [
            ("presence", f"{opener} {mid}. {tail}"),
            ("never-seen", f"{this_is} {mid}, as never seen."),
            ("introducing", f"{opener} {mid}."),
            ("meet", f"Meet {mid}."),
            ("introducing-short", f"{opener} {mid_brief}."),
            ("name", f"{said_brief}."),
        ],
        [
            ("name-cta", f"{said}. {cta}."),
            ("short-cta", f"{said_brief}. {cta}."),
            ("cta", f"{cta}."),
        ],
    )


def voice_lines(
    kind: JobKind,
    name: str,
    points: Sequence[str],
    cta: str,
    budgets: Sequence[int],
    rng: random.Random,
    audience: str | None = None,
    *,
    terse: int = 0,
) -> list[str]:
    """One line per slot: an opener, one selling point per middle slot, a closer with the
    call to action. Each line is the richest form within its word budget, forms do not
    repeat, and lines with words to spare take the selling points no shot shows. UGC lines
    are kept in the first person whenever a first-person form fits. `terse` counts the
    reports that the voice ran long."""
    count = len(budgets)
    ugc = kind == "ugc"
    used: set[str] = set()
    openers, closers = bookends(kind, name, cta)
    # pick() takes the richest that fits; the shuffle varies equally rich forms by brief.
    opener_tiers = [rng.sample(openers[:-1], len(openers) - 1), openers[-1:]]
    closer_tiers = [rng.sample(closers[:-1], len(closers) - 1), closers[-1:]]
    # Each middle slot says the next point that fits it in some form; a point too long for
    # its slot gives way to the next one rather than to a stock line.
    queue, assigned = list(points), []
    for budget in budgets[1:-1]:
        fits = next(
            (
                p
                for p in queue
                if any(word_count(c[1]) <= budget for t in point_candidates(kind, p) for c in t)
            ),
            None,
        )
        assigned.append(fits)
        if fits is not None:
            queue.remove(fits)
    # Each report that the voice ran long says less: no spare points, then the plainest forms.
    spare = [s for s in (spare_point(kind, p) for p in queue) if s] if not terse else []
    moods = list(MOOD_LINES[kind])
    rng.shuffle(moods)
    plain = terse >= 2
    opener = pick(opener_tiers, budgets[0], used, "require" if ugc else "", plain=plain)
    lines = [pad(opener, [f"Made for {audience}."], budgets[0]) if audience else opener]

    def person(i: int) -> Literal["", "prefer", "require"]:
        # UGC speaks as "I" in at least half its lines: content first while that still holds.
        if not ugc:
            return ""
        # The closer is not counted on: its call to action may leave no room for "me".
        spoken = sum(is_first_person(line) for line in lines)
        later = max(count - 2 - i, 0)  # middle lines after this one
        return "require" if spoken + later < math.ceil(count / 2) else "prefer"

    for i in range(1, count - 1):
        point = assigned[i - 1]
        if point is not None:
            rich, bare, shorter = point_candidates(kind, point)
            tiers = [rng.sample(rich, len(rich)), bare, shorter]  # shorter: longest first
            tiers.append([(f"mood-{m}", m) for m in moods])
        else:  # out of selling points: a line that carries the mood
            tiers = [[(f"mood-{m}", m) for m in moods]]
        if ugc:  # the shortest things a creator says
            tiers.append([("love-it", "I love it.")])
        lines.append(pad(pick(tiers, budgets[i], used, person(i), plain=plain), spare, budgets[i]))
    if count > 1:
        lines.append(pick(closer_tiers, budgets[-1], used, person(count - 1), plain=plain))
    return [upper_first(line) for line in lines]
