"""Pure parsing of a free-text brief: product name, brand, selling points, audience, call
to action, tone. No I/O, no randomness: the same text always parses the same way.

Selling points are the brief's own phrases that the copy grammar (`grammar.classify`)
recognises as a noun phrase, adjective phrase, predicate, clause or imperative; anything
else (a request to the studio, a label, a call to action, a fragment) is not a point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from aistudio.artifacts import JobKind
from aistudio.tools.planner import cta as cta_text
from aistudio.tools.planner.brief_fields import (
    HASHTAGS,
    PROMPT_WORDS,
    clean,
    field,
    field_label,
    fields,
    unquote_names,
)
from aistudio.tools.planner.brief_names import brand, product_name
from aistudio.tools.planner.brief_words import (
    AUDIENCE_LABELS,
    CONTENT_LABELS,
    TONE_LABELS,
    TONE_WORDS,
)
from aistudio.tools.planner.grammar import URL, classify
from aistudio.tools.planner.house_rules import RULES

_AUDIENCE = re.compile(
    r"\b(?:for|aimed at|targeting|made for|designed for|perfect for|ideal for|audience:?)\s+"
    r"((?:busy |young |active |modern |new |curious |everyday |urban |all |first-time )?"
    r"(?:\w+\s+){0,2}?(?:\w+(?:ers|ists|ians|ents|ies|ees|ors)|people|men|women|him|her|"
    r"everyone|anyone|kids|families|parents|mums|moms|dads|teens|students|athletes|"
    r"professionals|commuters|travellers|travelers|gamers|creatives|couples|lovers|fans)"
    r"(?:\s+who\s+[\w\s'-]{3,40}?)?)(?=[.,;!?]|$|\s+(?:and|with|in|on)\b)",
    re.IGNORECASE,
)
# Where one selling point ends and the next begins. "and" starts a new point only before
# a new subject ("... and it absorbs fast").
_CLAUSE_SPLIT = re.compile(
    r"(?<!\bno\.)(?<=[.!?;])\s+|\s*[:–—]\s+|\s+-\s+|,\s+|\s*\+\s+|\s*/\s+"
    r"|\s+(?=(?:with|featuring|plus|including)\s)"
    r"|\s+and\s+(?=(?:a|an|the|it|its|it's|they|you|your|my|i|we|our|she|he)\s"
    r"|(?:i|we|you|they|she|he)['’](?:m|ve|re|s|d|ll)\s"
    r"|(?:now|then|so)\s+(?:i|we|you|they|she|he|it)\s)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:and|with|featuring|plus|including|also|now|but|it's|it is|it has|its|"
    r"it|they|that|which|is|are|has|have|a|an|the|our|your|their|comes? with|offers?|"
    r"now with|made with|made from|made of|in)\s+)+",
    re.IGNORECASE,
)


# What may stand before the product's name in a clause about it: "ok so this lightbulb
# changes colour", "the perfect pizza oven for ...".
_NAME_LEAD = re.compile(
    r"^(?:(?:ok|okay|so|honestly|ngl|tbh|lowkey|pov|me|been|with|using|bought|got|found|"
    r"trying|tried|testing|reviewing|unboxing|you|finally|this|these|my|our|the|a|an|new|"
    r"perfect|best|favourite|favorite|go-to|bestselling)\s+)+$",
    re.IGNORECASE,
)
_AUXILIARIES = frozenset(
    "is isn't was wasn't has hasn't does doesn't are aren't were have do don't".split()  # noqa: SIM905
)
_SUBJECT = re.compile(r"(?:i|you|we|they|she|he)\s", re.IGNORECASE)
# Chat that trails a phrase: "it's so creamy honestly", "I'm kind of addicted lol".
_TRAILING_CHAT = re.compile(r"(?:\s+(?:honestly|lol|tbh|haha|omg|tho|though|btw))+$", re.I)


@dataclass(frozen=True)
class ParsedBrief:
    product_name: str
    brand: str | None  # the brand the brief names, for comparing with the label
    selling_points: tuple[str, ...]
    audience: str | None
    call_to_action: str  # what the end card says: the brief's own CTA (+ its web address)
    cta_explicit: bool  # the brief itself stated a call to action
    stated_cta: str | None  # the brief's call to action verbatim, without an added address
    url: str | None
    tone: tuple[str, ...]


def call_to_action(text: str, kind: JobKind) -> tuple[str, str | None, bool, str | None]:
    """(end-card call to action, url, whether the brief stated one, the stated one)."""
    found = cta_text.find_cta(text)
    url_match = URL.search(text)
    url = found.url if found and found.url else (url_match.group(0) if url_match else None)
    if found:
        return cta_text.end_card_cta(found.text, url), url, True, found.text
    default = RULES[kind].default_cta
    return (f"{default} at {url}" if url else default), url, False, None


def audience(text: str) -> str | None:
    labelled = field(fields(text), AUDIENCE_LABELS)
    if labelled:
        return cta_text.trim(labelled).lower()
    match = _AUDIENCE.search(text)
    return clean(match.group(1)).lower() if match else None


def _strip_name(clause: str, name: str) -> str:
    """The clause after the product's name when the clause opens with it ("the new linen
    dress in sage green" -> "in sage green"); a name later in a clause is part of the
    point ("stone ground in Uji")."""
    core = name[4:] if name.startswith("The ") else name
    at = clause.lower().find(core.lower()) if core else -1
    lead = re.sub(r"\b(?:new|all-new|brand new)\b", " ", clause[:at], flags=re.I) if at > 0 else ""
    owner = at >= 0 and re.match(r"['’]s\b", clause[at + len(core) :])  # "officer's jacket"
    filler = not _LEADING_FILLER.sub("", lead.strip() + " ").strip() or _NAME_LEAD.match(lead)
    if at >= 0 and not owner and filler:
        clause = clause[at + len(core) :]
        # What the name was said with goes too: its seller ("from Boots is ...") and a
        # relative pronoun ("that doesn't leak ...").
        clause = re.sub(r"^\s*(?:from\s+(?:[A-Z][\w&'’]*\s*)+|(?:that|which)\s+)", "", clause)
        return _about_it(clause.strip(" ,.;:!?-"))
    return clause.strip(" ,.;:!?-")


def _about_it(rest: str) -> str:
    """A verb left without its subject, the product, gets it back: "doesn't leak in your
    bag" -> "It doesn't leak in your bag", "stack in my fridge" -> "They stack ..."."""
    first = rest.split(maxsplit=1)[0].lower() if rest.split() else ""
    if classify(rest) is not None or first not in _AUXILIARIES:
        return rest
    subject = "They" if first in ("are", "were", "have", "do", "don't", "aren't") else "It"
    return f"{subject} {rest}"


def _chunks(source: str) -> list[str]:
    """The source split where one point ends and the next begins; a lone verb is not a
    point of its own ("works" + "with every streaming service")."""
    out: list[str] = []
    for raw in _CLAUSE_SPLIT.split(source):
        if out and re.fullmatch(r"\w+", out[-1].strip()) and classify(out[-1]) == "pred":
            out[-1] = f"{out[-1].strip()} {raw.strip()}"
        else:
            out.append(raw)
    return out


def _point_sources(text: str, found: cta_text.FoundCta | None) -> list[str]:
    sources = []
    for whole in cta_text.segments(text):
        segment = whole
        if found and (whole == found.segment or found.text.lower() in whole.lower()):
            rest = whole.lower().replace(found.text.lower(), " ")
            segment = whole[: whole.lower().find(found.text.lower())] if rest.strip() else ""
        label = field_label(segment)
        if label:
            if label not in CONTENT_LABELS:
                continue
            segment = segment.split(":", 1)[1]
        if segment.strip():
            sources.append(unquote_names(HASHTAGS.sub(" ", URL.sub(" ", segment))))
    return sources


def selling_points(text: str, name: str, audience_text: str | None = None) -> tuple[str, ...]:
    """The brief's phrases that say what is good about the product, in the brief's order,
    deduplicated, each one the copy grammar recognises."""
    points: list[str] = []
    for found in _point_sources(text, cta_text.find_cta(text)):
        source = found
        if audience_text:
            source = re.sub(
                r"\b(?:for|aimed at|targeting|made for|designed for|perfect for|ideal for)\s+"
                + re.escape(audience_text),
                " ",
                source,
                flags=re.I,
            )
        for chunk in _chunks(source):
            raw = re.sub(r"^\s*pov\b:?\s*", "", chunk, flags=re.I)  # "POV you finally found ..."
            if PROMPT_WORDS.search(raw):
                continue
            clause = _strip_name(raw.strip(), name)
            if clause != raw.strip(" ,.;:!?-") and _SUBJECT.match(clause):
                continue  # "The robot vacuum I got for my flat does ...": a relative clause
            whole = cta_text.trim(_TRAILING_CHAT.sub("", cta_text.trim(clause)))
            clause = cta_text.trim(_LEADING_FILLER.sub("", whole))
            restored = whole.split()[:2]  # "It is back for summer", not "Back for summer"
            kept = len(restored) == 2 and restored[1].lower() in _AUXILIARIES
            if (classify(clause) is None or kept) and classify(whole) == "clause":
                clause = whole  # "it actually made laying the path easy": a whole clause
            words = clause.split()
            if not words or len(words) > 14 or (len(words) == 1 and len(clause) < 6):
                continue
            kind = classify(clause)
            if kind == "imperative" and cta_text.opens_with_cta_verb(clause):
                continue  # "Get ready with me", "Shop the look": asks, not selling points
            if kind is not None:
                points.append(clean(clause))
    return tuple(dict.fromkeys(points))


def tone_words(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    return tuple(
        dict.fromkeys(word for stem, word in TONE_WORDS if re.search(rf"\b{stem}", lowered))
    )


@lru_cache(maxsize=256)
def parse_brief(text: str, kind: JobKind, detected_text: Sequence[str] = ()) -> ParsedBrief:
    name = product_name(text, detected_text)
    cta, url, explicit, stated = call_to_action(text, kind)
    who = audience(text)
    tone_source = " ".join(v for k, v in fields(text).items() if k in TONE_LABELS) or text
    return ParsedBrief(
        product_name=name,
        brand=brand(text, name),
        selling_points=selling_points(text, name, who),
        audience=who,
        call_to_action=cta,
        cta_explicit=explicit,
        stated_cta=stated,
        url=url,
        tone=tone_words(tone_source),
    )
