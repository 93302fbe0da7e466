"""Local text moderation of briefs: category patterns with word boundaries.

Tuned against marketing copy: "killer deal", "bath bomb", "shot on iPhone", "drop" and
"shoot" are everyday ad words and must pass.
"""

from __future__ import annotations

import re

_ALLOWED_PHRASES = re.compile(
    r"\b(bath bombs?|killer (?:deals?|looks?|price)|photo ?shoot|shot on|drop(?:s|ped)? "
    r"(?:today|now)|knock ?out (?:look|price)|to die for|dressed to kill|bomb(?:er)? jacket)\b",
    re.I,
)

CATEGORIES: dict[str, re.Pattern[str]] = {
    "sexual/minors": re.compile(
        r"\b(child|children|kids?|minors?|teen(?:ager)?s?|underage|school ?girls?)\b.{0,40}"
        r"\b(sexy|sexual|nude|naked|erotic|lingerie)\b|\b(sexy|sexual|nude|naked|erotic)\b"
        r".{0,40}\b(child|children|kids?|minors?|underage|school ?girls?)\b", re.I),
    "sexual": re.compile(r"\b(porn\w*|nude|naked|explicit sex|sex tape|xxx|nsfw|erotic)\b",
                         re.I),
    "violence": re.compile(
        r"\b(kill(?:ing|s)? (?:people|someone|him|her|them)|murder\w*|massacre|behead\w*|"
        r"shoot(?:ing)? (?:people|someone|up)|stab(?:bing)?|bloodbath|gore|torture)\b", re.I),
    "weapons": re.compile(r"\b(guns?|firearms?|rifles?|pistols?|ammo|ammunition|"
                          r"explosives?|grenades?|bombs?)\b", re.I),
    "hate": re.compile(r"\b(nazi\w*|white power|ethnic cleansing|subhuman|"
                       r"(?:kill|gas) (?:all )?(?:the )?(?:jews|muslims|blacks|gays))\b", re.I),
    "self-harm": re.compile(r"\b(suicide|self[- ]harm|kill (?:yourself|myself)|"
                            r"cut(?:ting)? (?:yourself|myself)|pro-ana|thinspo)\b", re.I),
    "illicit": re.compile(r"\b(cocaine|heroin|meth(?:amphetamine)?|fentanyl|mdma|ecstasy "
                          r"pills|buy (?:weed|drugs)|counterfeit|fake (?:ids?|passports?))\b",
                          re.I),
}


def flagged_categories(text: str) -> list[str]:
    """Categories the text hits, after removing everyday ad phrases that look alarming."""
    cleaned = _ALLOWED_PHRASES.sub(" ", text)
    return [name for name, pattern in CATEGORIES.items() if pattern.search(cleaned)]
