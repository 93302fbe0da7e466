"""Pure parsing of a free-text brief: product name, selling points, call to action, tone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import JobKind

_URL = re.compile(r"\b(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|co|io|shop|"
                  r"store|example|net|org|eu|uk|de|fr)(?:/[\w/-]*)?\b", re.I)
_CTA = re.compile(
    r"\b(shop now|order (?:today|now)|buy now|get yours(?: today)?|try it(?: today| now)?|"
    r"discover more|learn more|pre-?order(?: now| today)?|book now|visit us|sign up|"
    r"available now|link in bio)\b", re.I)
_QUOTED = re.compile(r"[\"“”']([^\"“”']{2,40})[\"“”']")
_LEAD = re.compile(r"^\s*([A-Z][\w&'.-]*(?:\s+(?:[A-Z][\w&'.-]*|de|of|the|No\.?\s*\d+|\d+))*)")
_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\s+[-–—]\s+|,\s+(?=(?:and\s+)?(?:with|in|for|made|"
                    r"featuring|plus)\b)|\s+(?=\b(?:with|featuring)\b)")
_TONE_WORDS = ("luxur", "premium", "elegan", "bold", "fresh", "calm", "playful", "minimal",
               "natural", "energetic", "cozy", "warm", "sporty", "stylish", "edgy")
DEFAULT_CTA: dict[JobKind, str] = {
    "promo": "Shop now", "fashion": "Shop the collection", "ugc": "Try it today",
}


@dataclass(frozen=True)
class ParsedBrief:
    product_name: str
    selling_points: tuple[str, ...]
    call_to_action: str
    tone: tuple[str, ...]
    url: str | None


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-–—!")
    return text[:1].upper() + text[1:] if text else text


def product_name(text: str, detected_text: Sequence[str] = ()) -> str:
    quoted = _QUOTED.search(text)
    if quoted:
        return _clean(quoted.group(1))
    head, colon, _ = text.partition(":")
    if colon and 1 <= len(head.split()) <= 6:
        return _clean(head)  # "AURUM Eau de Parfum: ..." names the product before the colon
    lowered = text.lower()
    # A word printed on the product and repeated in the brief is the surest name.
    on_label = sorted((w for w in detected_text if len(w) >= 3 and w.lower() in lowered),
                      key=len, reverse=True)
    lead = _LEAD.match(text)
    if lead and 1 <= len(lead.group(1).split()) <= 5:
        return _clean(lead.group(1))
    if on_label:
        start = lowered.index(on_label[0].lower())
        return _clean(text[start:start + len(on_label[0])])
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    return _clean(" ".join(words[:3])) or "Our product"


def call_to_action(text: str, kind: JobKind) -> tuple[str, str | None]:
    url_match = _URL.search(text)
    url = url_match.group(0) if url_match else None
    cta_match = _CTA.search(text)
    cta = _clean(cta_match.group(1)) if cta_match else DEFAULT_CTA[kind]
    if url and url.lower() not in cta.lower():
        cta = f"{cta} at {url}"
    return cta, url


def selling_points(text: str, name: str) -> tuple[str, ...]:
    body = _CTA.sub("", _URL.sub("", text))
    if name and body.lower().startswith(name.lower()):
        body = body[len(name):]
    points: list[str] = []
    for raw in _SPLIT.split(body):
        clause = _clean(re.sub(r"^(?:and|with|featuring|plus|it's|it is)\s+", "", raw.strip(),
                               flags=re.I))
        words = clause.split()
        if 2 <= len(words) <= 14 and clause.lower() != name.lower():
            points.append(clause)
    seen: set[str] = set()
    unique = []
    for point in points:
        if point.lower() not in seen:
            seen.add(point.lower())
            unique.append(point)
    return tuple(unique)


def parse_brief(text: str, kind: JobKind, detected_text: Sequence[str] = ()) -> ParsedBrief:
    name = product_name(text, detected_text)
    cta, url = call_to_action(text, kind)
    tone = tuple(w for w in _TONE_WORDS if w in text.lower())
    return ParsedBrief(name, selling_points(text, name), cta, tone, url)
