"""Shared pieces of brief parsing: "Label: value" fields, requests to the studio, tidy
text (pure)."""

from __future__ import annotations

import re

from aistudio.tools.planner.brief_words import FIELD_LABELS

FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z /-]{1,24}?)\s*:\s*(.+)$")
PROMPT_WORDS = re.compile(
    r"\b(?:make|create|generate|produce|want|need|give me|do|looking for|would like|"
    r"i'd like|could you|can you)\b.*\b(?:video|promo|ad|clip|"
    r"film|reel|tiktok|short|spot|content|commercial)s?\b|^(?:promo|ad|video|ugc|reel)\b"
    r"|\b(?:brand identity|rebrand|campaign|storyboard|deliverables?|hashtags?)\b"
    r"|^(?:[\w-]+ ){0,2}(?:film|video|promo|ad|reel|clip|commercial|review|unboxing)s?\b"
    r"|^(?:walkthrough|tutorial|demo|day in (?:my|the) life|get ready with me|grwm|pov)\b"
    r"|^(?:a |the )?(?:[\w-]+ ){0,2}(?:shows|talks about|reviews|tries|tests|unboxes)\b"
    r"|^(?:honestly|seriously|literally|obsessed|love)\b"
    r"|^(?:mention|show|avoid|include|highlight|focus on|emphasi[sz]e|make sure|don't|do not)\b",
    re.IGNORECASE,
)
HASHTAGS = re.compile(r"(?:^|\s)[#@][\w.]+")
# A name in single quotes: "Dahlia bulbs, 'Cafe au Lait'", "our 'Midnight Plum' candle".
_SINGLE_QUOTED = re.compile(r"(?<![\w'’])['‘]([A-Z][^'’‘\n]{0,38}?\w)['’](?![\w'’])")


def unquote_names(text: str) -> str:
    """Single quotes around a name taken off: they are no part of the words."""
    return _SINGLE_QUOTED.sub(r"\1", text)


def clean(text: str) -> str:
    """Collapse whitespace, trim punctuation, capitalise the first letter only."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-–—!?\"'“”")
    return text[:1].upper() + text[1:] if text else text


def fields(text: str) -> dict[str, str]:
    """ "Label: value" lines of a structured brief, by lowercase label (first one wins)."""
    found: dict[str, str] = {}
    for line in re.split(r"\n+|\s+\|\s+", text):
        label = field_label(line)
        if label:
            found.setdefault(label, line.split(":", 1)[1].strip())
    return found


def field_label(line: str) -> str | None:
    match = FIELD.match(line)
    label = match.group(1).strip().lower() if match else None
    return label if label in FIELD_LABELS else None


def field(found: dict[str, str], labels: frozenset[str]) -> str | None:
    return next((found[label] for label in found if label in labels), None)
