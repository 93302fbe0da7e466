"""The brief's own call to action, found as written (pure).

Marketers end briefs with an imperative ("Book your seat at x.example", "Follow us for the
launch", "Test ride today", "order yours at ...") or label it ("CTA: ..."). The detector
splits the brief into segments (sentences, lines, dash- or pipe-separated parts, and the
last comma clause of each), keeps the ones that open with a call-to-action verb, and takes
the strongest: a labelled one, then one with a web address or an urgency word, then the
last. The text comes back verbatim: only surrounding punctuation and emoji are trimmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aistudio.tools.planner.grammar import URL, classify

# Verbs that ask the viewer to act now; "strong" ones are calls to action on their own,
# weak ones ("discover", "meet") only with an address, an urgency word or at the end.
STRONG_CTA_VERBS = (
    "shop",
    "buy",
    "order",
    "pre-order",
    "preorder",
    "book",
    "reserve",
    "follow",
    "subscribe",
    "sign up",
    "register",
    "visit",
    "get yours",
    "grab yours",
    "grab",
    "snag",
    "claim",
    "join",
    "rsvp",
    "download",
    "dm",
    "message us",
    "use code",
    "test ride",
    "test drive",
    "swipe up",
    "tap",
    "click",
    "head to",
    "head over to",
    "stop by",
    "swing by",
    "pop in",
    "pop by",
    "pick up",
    "pick yours up",
    "call",
    "text us",
    "email us",
    "save",
    "donate",
    "apply",
    "enter",
    "don't miss",
    "hurry",
    "try it",
    "try yours",
    "learn more",
    "find out more",
    "check out",
    "check it out",
    "check them out",
    "set a reminder",
    "turn on notifications",
    "save the date",
    "mark your calendar",
    "add to cart",
    "request",
    "schedule",
    "get",
)
WEAK_CTA_VERBS = (
    "try",
    "rent",
    "hire",
    "discover",
    "explore",
    "find",
    "see",
    "watch",
    "listen",
    "stream",
    "taste",
    "treat yourself",
    "come",
    "meet",
    "start",
    "upgrade",
    "switch",
    "tag",
    "share",
    "catch",
    "gift",
    "swap",
    "test",
    "comment",
    "let us know",
    "tell us",
)
# Calls to action that are not imperatives.
CTA_PHRASES = re.compile(
    r"^(?:(?:[\w'’]+ ){0,3}link in (?:bio|profile)\b.*"  # "Etsy shop link in bio"
    r"|(?:now )?available (?:now|today|online|in stores?|at|from)\b.*"
    r"|out now\b.*|in stores? (?:now|today)\b.*|now (?:available|open|live)\b.*)$",
    re.IGNORECASE,
)
_URGENCY = re.compile(
    r"\b(?:now|today|tonight|yours|us|online|here|this (?:week|weekend|month|saturday|sunday)"
    r"|while (?:stocks?|supplies) last|before|link in bio|limited|only)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*(?:cta|call[- ]to[- ]action)\s*[:=-]\s*(.+)$", re.IGNORECASE)
_LEAD = re.compile(
    r"^(?:(?:so|now|just|and|then|or|pls|please|go|and then)\s+|[👉→>»*•\-–—:]+\s*)+", re.I
)
_SEGMENT_SPLIT = re.compile(
    r"(?<=[.!?])\s+|\n+|\s+[|•]\s+|\s+[–—-]\s+|[→\u2600-\u27bf\U0001f300-\U0001faff]+"
)
_TRIM = re.compile(r"^[\s\"'“”‘’([]+|[\s\"'“”‘’)\].!,;:…]+$")
_NOT_TEXT = re.compile(r"[^\w\s.,:;!?'’&%$€£@#/()+\-–—\"“”]+")  # emoji and pictographs
MAX_CTA_WORDS = 12


@dataclass(frozen=True)
class FoundCta:
    text: str  # verbatim, trimmed, first letter capitalised
    segment: str  # the whole segment it came from, to remove from the selling points
    url: str | None  # the address inside the call to action, if any


def trim(text: str) -> str:
    text = _NOT_TEXT.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    previous = None
    while previous != text:
        previous, text = text, _TRIM.sub("", text)
    return text


def segments(text: str) -> list[str]:
    """Sentences, lines and dash/pipe parts of a brief, trimmed, empty ones dropped.
    Web addresses are kept whole (their dots are not sentence ends)."""
    urls: list[str] = []

    def keep(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return f"\x00{len(urls) - 1}\x00"

    shielded = re.sub(r"\bNo\.\s?\d+", keep, URL.sub(keep, text))  # "No. 5" ends no sentence
    parts = [p for p in _SEGMENT_SPLIT.split(shielded) if p and p.strip()]
    restored = [re.sub(r"\x00(\d+)\x00", lambda m: urls[int(m.group(1))], p) for p in parts]
    return [t for t in (trim(p) for p in restored) if t]


def _opening_verb(clause: str) -> tuple[str, bool] | None:
    lowered = _LEAD.sub("", clause.lower())
    for verbs, strong in ((STRONG_CTA_VERBS, True), (WEAK_CTA_VERBS, False)):
        for verb in verbs:
            if re.match(rf"{re.escape(verb)}(?![\w-])", lowered):
                return verb, strong
    return None


def opens_with_cta_verb(clause: str) -> bool:
    return _opening_verb(clause) is not None


def _candidates(segment: str) -> list[str]:
    """The segment itself and its trailing clauses after a comma or colon ("New season,
    order today", "Restock alert: shop at ...")."""
    return [segment] + [segment[m.end() :] for m in re.finditer(r"[,:]\s+", segment)]


def find_cta(text: str) -> FoundCta | None:
    """The brief's own call to action, or None when it states none."""
    segs = segments(text)
    for seg in segs:
        labelled = _LABEL.match(seg)
        if labelled and trim(labelled.group(1)):
            return _found(trim(labelled.group(1)), seg)
    best: tuple[int, int, str, str] | None = None
    for position, seg in enumerate(segs):
        for candidate in _candidates(seg):
            clause = trim(_LEAD.sub("", candidate))
            words = URL.sub("x", clause).split()
            if not clause or len(words) > MAX_CTA_WORDS:
                continue
            verb = _opening_verb(clause)
            if verb is not None and not verb[1] and classify(clause) == "clause":
                verb = None  # "Gift cards available now": a subject, not "gift it"
            phrase = bool(CTA_PHRASES.match(clause))
            if verb is None and not phrase:
                continue
            urgent = bool(URL.search(clause) or _URGENCY.search(clause))
            last = position == len(segs) - 1
            strong = phrase or (verb is not None and verb[1])
            if not (strong or urgent or (last and len(words) <= 6)):
                continue
            score = 4 * bool(URL.search(clause)) + 2 * urgent + 2 * last + strong
            if best is None or (score, position) >= best[:2]:
                best = (score, position, clause, seg)
            break  # the longest clause of a segment that qualifies
    return _found(best[2], best[3]) if best else None


def _found(clause: str, segment: str) -> FoundCta:
    url = URL.search(clause)
    return FoundCta(clause[:1].upper() + clause[1:], segment, url.group(0) if url else None)


def end_card_cta(cta: str, url: str | None) -> str:
    """The end card's call to action: the brief's own, verbatim, with the brief's web
    address after it when the call to action does not already carry one."""
    if not url or url.lower() in cta.lower():
        return cta
    return f"{cta} · {url}"
