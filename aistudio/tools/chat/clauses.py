"""How the offline grammar reads a message: cut into clauses, and words taken out of a
clause by the rules of `aistudio.tools.chat.grammar`, whatever is left compared against the
filler words (what is left beyond them was not understood).

Quoted phrases are protected first, so a call to action like "Shop now, today" is one
payload, not two clauses.
"""

from __future__ import annotations

import re

_PROTECTED = {",": "\ue000", ".": "\ue001", ";": "\ue002", "!": "\ue003", "?": "\ue004"}
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^']*'(?!\w)")
_STARTERS = (
    r"make|set|use|add|remove|drop|turn|switch|change|show|render|mention|say|avoid|don'?t|"
    r"do not|no|without|with|go|for|vertical|square|landscape|wide|portrait|shorter|longer|"
    r"warmer|cooler|more|less|target|aim|call|cta|end|budget|keep|how|what|preview|"
    r"storyboard|estimate|price|cost|status|never|include|feature|it'?s|it|its|the product|"
    r"\d"
)
_CLAUSE_SPLIT = re.compile(
    r"[;\n!?]+|,\s*|\.(?=\s|$)|\s+(?:and|then|also|plus|but)\s+(?=(?:also\s+)?(?:"
    + _STARTERS
    + r"|[a-z]+(?:er|ous|ful|y)\b))",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|so|now|please|pls|also|and|then|plus|oh|hey|hi|hello|can you|could "
    r"you|would you|i want(?: it)?(?: to)?|i'?d like(?: it)?(?: to)?|let'?s|we need|i need)\b"
    r"[\s,]*)+",
    re.IGNORECASE,
)
# Words a clause may keep without anything being lost: what is left beyond them is
# reported back as not understood.
_FILLER_WORDS = """
    a an the it it's its this that these those make made please video ad clip film one
    version more bit little lot for to be is are and or with me can you let's lets i
    want would like we should now so just very really also too then ok okay thanks thank
    great cool nice good perfect yes sure of in on at format formats aspect ratio ratios
    instead again go set change switch turn use keep as our my your some looks look hi
    hello hey there let could do into us out get
"""
_FILLER = frozenset(_FILLER_WORDS.split())


def _protect(text: str) -> str:
    def hide(match: re.Match[str]) -> str:
        return "".join(_PROTECTED.get(ch, ch) for ch in match.group(0))

    return _QUOTED.sub(hide, text)


def restore(text: str) -> str:
    for plain, hidden in _PROTECTED.items():
        text = text.replace(hidden, plain)
    return text


def payload(text: str) -> str:
    """A captured phrase as the user meant it: quotes and dangling punctuation removed."""
    text = restore(text).strip(" \t,.;:!?-–—")
    quoted = re.fullmatch(r"[\"“'](.+?)[\"”']", text)
    text = quoted.group(1) if quoted else text.strip("\"“”'")
    return " ".join(text.split())


def clauses(text: str) -> list[str]:
    parts = _CLAUSE_SPLIT.split(_protect(text))
    return [p.strip() for p in parts if p and p.strip()]


class Clause:
    """One clause being read: rules take their words out of `rest`."""

    def __init__(self, text: str) -> None:
        self.original = restore(text).strip()
        self.rest = _LEAD.sub("", text.strip())
        # "also square", "add a 16:9 version": ratios join the current ones.
        self.additive = bool(re.search(r"\b(?:also|add|plus|as well)\b", text, re.IGNORECASE))

    def take(self, pattern: str) -> re.Match[str] | None:
        match = re.search(pattern, self.rest, re.IGNORECASE)
        if match:
            self.rest = f"{self.rest[: match.start()]} {self.rest[match.end() :]}"
        return match

    def leftover(self) -> str:
        words = re.findall(r"[\w'$%:-]+", restore(self.rest))

        def filler(word: str) -> bool:
            return word.lower().strip("'") in _FILLER

        while words and filler(words[0]):
            words.pop(0)
        while words and filler(words[-1]):
            words.pop()
        return " ".join(words)
