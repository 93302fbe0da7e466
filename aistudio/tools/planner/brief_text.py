"""Pure parsing of a free-text brief: product name, selling points, audience, call to
action, tone. No I/O, no randomness: the same text always parses the same way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import JobKind
from aistudio.tools.planner.house_rules import RULES

_URL = re.compile(
    r"\b(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|co|io|shop|store|"
    r"example|net|org|eu|uk|de|fr|app|ai|us|ca|au|nl|it|es)(?:/[\w/.-]*)?(?![\w-])",
    re.IGNORECASE,
)
_CTA = re.compile(
    r"\b(shop (?:now|today|the (?:collection|range|drop))|order (?:today|now|yours(?: today)?)"
    r"|buy (?:now|today|it now)|get yours(?: today| now)?|try it(?: today| now| yourself)?"
    r"|discover more|learn more|find out more|pre-?order(?: now| today)?|book (?:now|today)"
    r"|visit (?:us|our (?:store|shop|site|website))|sign up(?: today| now)?|subscribe(?: now)?"
    r"|available now|out now|link in bio|grab yours(?: today| now)?"
    r"|use code \w+)\b",
    re.IGNORECASE,
)
_VISIT = re.compile(r"\bvisit\s+(" + _URL.pattern + r")", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,40})[\"“”«»]|(?<![\w])'([^']{2,40})'(?![\w])")
_CAPWORD = r"(?:[A-Z0-9][\w&'’.+-]*)"
_CAP_PHRASE = re.compile(
    rf"{_CAPWORD}(?:\s+(?:{_CAPWORD}|(?:de|du|la|le|of|the|&)(?!\S)|No\.?\s*\d+))*"
)
_INTRO = re.compile(
    rf"\b(?:for|introducing|meet|called|named|presenting|launching|launch of|about)\s+"
    rf"(?:the\s+|our\s+|my\s+|a\s+|an\s+)?({_CAPWORD}(?:\s+(?:{_CAPWORD}|(?:de|of|&)(?!\S)))*)"
)
# Lead-in words that are capitalised only because they open a sentence.
_NOT_NAMES = frozenset(
    (
        "a",
        "an",
        "the",
        "our",
        "my",
        "this",
        "these",
        "we",
        "i",
        "make",
        "create",
        "please",
        "new",
        "okay",
        "ok",
        "so",
        "hey",
        "promo",
        "video",
        "ad",
        "fashion",
        "ugc",
        "film",
        "clip",
        "generate",
        "need",
        "want",
        "give",
        "show",
        "it",
        "its",
        "introducing",
        "meet",
    )
)
_CONNECTORS = frozenset({"de", "du", "la", "le", "of", "the", "&"})
_FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "at",
        "in",
        "on",
        "for",
        "with",
        "to",
        "of",
        "and",
        "or",
        "by",
        "from",
        "is",
        "are",
        "that",
        "which",
        "it",
        "its",
    }
)
# Product nouns that extend a bare brand into a name ("NORTHWIND" + "storm jacket").
_PRODUCT_NOUNS = frozenset(
    (
        "jacket",
        "coat",
        "parka",
        "hoodie",
        "shirt",
        "tee",
        "t-shirt",
        "dress",
        "skirt",
        "jeans",
        "trousers",
        "pants",
        "shorts",
        "sneakers",
        "sneaker",
        "shoes",
        "shoe",
        "boots",
        "boot",
        "bag",
        "backpack",
        "tote",
        "wallet",
        "watch",
        "sunglasses",
        "hat",
        "cap",
        "scarf",
        "serum",
        "cream",
        "lotion",
        "cleanser",
        "toner",
        "oil",
        "balm",
        "mask",
        "shampoo",
        "conditioner",
        "perfume",
        "parfum",
        "fragrance",
        "cologne",
        "lipstick",
        "mascara",
        "foundation",
        "candle",
        "mug",
        "cup",
        "bottle",
        "tumbler",
        "lamp",
        "chair",
        "speaker",
        "headphones",
        "earbuds",
        "phone",
        "case",
        "charger",
        "keyboard",
        "mouse",
        "blender",
        "kettle",
        "grinder",
        "bar",
        "chocolate",
        "coffee",
        "tea",
        "juice",
        "soda",
        "drink",
        "snack",
        "sauce",
        "gin",
        "vodka",
        "whisky",
        "wine",
        "beer",
        "soap",
        "spray",
        "deodorant",
        "razor",
        "toothbrush",
        "vase",
        "planter",
        "pillow",
        "blanket",
    )
)
# One optional modifier + a product noun: "travel mug", "linen dress".
_NOUN_PHRASE = re.compile(r"\b((?:[a-z][\w-]+\s+)?(?:" + "|".join(sorted(_PRODUCT_NOUNS)) + r"))\b")
_AUDIENCE = re.compile(
    r"\b(?:for|aimed at|targeting|made for|designed for|perfect for|ideal for|audience:?)\s+"
    r"((?:busy |young |active |modern |new |curious |everyday |urban |all |first-time )?"
    r"(?:\w+\s+){0,2}?(?:\w+(?:ers|ists|ians|ents|ies|ees|ors)|people|men|women|him|her|"
    r"everyone|anyone|kids|families|parents|mums|moms|dads|teens|students|athletes|"
    r"professionals|commuters|travellers|travelers|gamers|creatives|couples|lovers|fans)"
    r"(?:\s+who\s+[\w\s'-]{3,40}?)?)(?=[.,;!?]|$|\s+(?:and|with|in|on)\b)",
    re.IGNORECASE,
)
# Where one selling point ends and the next begins. "No. 5" is a name, not a sentence end;
# "and" starts a new point only before a new subject ("... and it absorbs fast").
_CLAUSE_SPLIT = re.compile(
    r"(?<!\bno\.)(?<=[.!?;])\s+|\s*[:–—]\s+|\s+-\s+|,\s+"
    r"|\s+(?=(?:with|featuring|plus|including)\s)"
    r"|\s+and\s+(?=(?:a|an|the|it|its|it's|they|you|your|my|i|we|our)\s)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:and|with|featuring|plus|including|also|now|but|in|it's|it is|it has|its|"
    r"it|they|that|which|is|are|has|have|a|an|the|our|your|their|comes? with|offers?)\s+)+",
    re.IGNORECASE,
)
_PROMPT_WORDS = re.compile(
    r"\b(?:make|create|generate|produce|want|need)\b.*\b(?:video|promo|ad|clip|film|reel)\b",
    re.IGNORECASE,
)
TONE_WORDS: tuple[tuple[str, str], ...] = (
    ("luxur", "luxurious"),
    ("premium", "premium"),
    ("elegan", "elegant"),
    ("bold", "bold"),
    ("fresh", "fresh"),
    ("calm", "calm"),
    ("playful", "playful"),
    ("minimal", "minimal"),
    ("natural", "natural"),
    ("energ", "energetic"),
    ("cozy", "cozy"),
    ("cosy", "cozy"),
    ("warm", "warm"),
    ("sport", "sporty"),
    ("stylish", "stylish"),
    ("edgy", "edgy"),
    ("fun", "fun"),
    ("honest", "honest"),
    ("clean", "clean"),
    ("bright", "bright"),
)


@dataclass(frozen=True)
class ParsedBrief:
    product_name: str
    selling_points: tuple[str, ...]
    audience: str | None
    call_to_action: str
    cta_explicit: bool  # the brief itself asked for this call to action
    url: str | None
    tone: tuple[str, ...]


def clean(text: str) -> str:
    """Collapse whitespace, trim punctuation, capitalise the first letter only."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-–—!?\"'“”")
    return text[:1].upper() + text[1:] if text else text


def _extend_with_noun(text: str, start: int, end: int) -> int:
    """End of `text[start:end]` extended over up to three following words when they end in
    a product noun ("NORTHWIND storm jacket", "AURUM eau de parfum")."""
    best = end
    position = end
    for _ in range(3):
        word = re.match(r"\s+([a-z][\w-]*)", text[position:])
        if not word or word.group(1) in _FUNCTION_WORDS:  # "Order today at mug" is no name
            break
        position += word.end()
        if word.group(1) in _PRODUCT_NOUNS:
            best = position
    return best


def _name(text: str, start: int, end: int) -> str:
    """The name at text[start:end], extended over a following product noun, without
    dangling connectors ("Maison of" -> "Maison")."""
    words = text[start : _extend_with_noun(text, start, end)].split()
    while len(words) > 1 and words[-1].lower() in _CONNECTORS:
        words.pop()
    return clean(" ".join(words))


def _lead_phrase(text: str) -> str | None:
    for match in _CAP_PHRASE.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower().strip(".,") in _NOT_NAMES:
            words.pop(0)
        if not words:
            continue
        start = match.start() + match.group(0).index(words[0])
        return _name(text, start, match.end())
    return None


def _quoted_name(text: str, _label: Sequence[str]) -> str | None:
    quoted = _QUOTED.search(text)
    return clean(quoted.group(1) or quoted.group(2)) if quoted else None


def _heading_name(text: str, _label: Sequence[str]) -> str | None:
    # "AURUM Eau de Parfum: amber and vanilla..." names the product before the colon.
    head, colon, _ = text.partition(":")
    words = head.split()
    while words and words[0].lower() in _NOT_NAMES:  # "Meet AURUM: ..." -> "AURUM"
        words.pop(0)
    if colon and 1 <= len(words) <= 6 and not _PROMPT_WORDS.search(head):
        return clean(" ".join(words))
    return None


def _intro_name(text: str, _label: Sequence[str]) -> str | None:
    intro = _INTRO.search(text)
    if intro and intro.group(1).split()[0].lower() not in _NOT_NAMES:
        return _name(text, intro.start(1), intro.end(1))
    return None


def _label_name(text: str, detected_text: Sequence[str]) -> str | None:
    # A word printed on the product and repeated in the brief is the surest brand.
    lowered = text.lower()
    on_label = sorted(
        (w for w in detected_text if len(w) >= 3 and w.lower() in lowered), key=len, reverse=True
    )
    if not on_label:
        return None
    start = lowered.index(on_label[0].lower())
    for phrase in _CAP_PHRASE.finditer(text):  # the whole name the label word opens
        if phrase.start() <= start < phrase.end():
            return _name(text, phrase.start(), phrase.end())
    return _name(text, start, start + len(on_label[0]))


def _lead_name(text: str, _label: Sequence[str]) -> str | None:
    lead = _lead_phrase(text)
    return lead if lead and len(lead.split()) <= 6 else None


def _noun_name(text: str, _label: Sequence[str]) -> str | None:
    nouns = _NOUN_PHRASE.search(text.lower())
    if not nouns:
        return None
    generic = " ".join(w for w in nouns.group(1).split() if w not in _NOT_NAMES)
    # No brand in the brief: a generic name reads "the travel mug" mid-sentence.
    return f"The {generic}" if generic else None


_NAME_FINDERS = (_quoted_name, _heading_name, _intro_name, _label_name, _lead_name, _noun_name)


def product_name(text: str, detected_text: Sequence[str] = ()) -> str:
    """The product's name, by how surely the brief states it: a quoted name, a heading
    before a colon, "for/introducing X", a word printed on the label that the brief repeats,
    the first capitalised phrase, then the first product noun."""
    # Calls to action and web addresses are capitalised too ("Order today at ...").
    scrubbed = _CTA.sub(" ", _URL.sub(" ", _VISIT.sub(" ", text)))
    for finder in _NAME_FINDERS:
        name = finder(scrubbed, detected_text)
        if name:
            return name
    return "Our product"


def call_to_action(text: str, kind: JobKind) -> tuple[str, str | None, bool]:
    """(call to action, url, whether the brief stated it). A URL joins the action."""
    url_match = _URL.search(text)
    url = url_match.group(0) if url_match else None
    cta_match = _CTA.search(text)
    visit = _VISIT.search(text)
    if cta_match:
        cta = clean(cta_match.group(1))
    elif visit:
        return clean(f"Visit {visit.group(1)}"), url, True
    else:
        cta = RULES[kind].default_cta
    if url and url.lower() not in cta.lower():
        cta = f"{cta} at {url}"
    return cta, url, bool(cta_match)


def audience(text: str) -> str | None:
    match = _AUDIENCE.search(text)
    return clean(match.group(1)).lower() if match else None


def selling_points(text: str, name: str, audience_text: str | None = None) -> tuple[str, ...]:
    """Clauses that say what is good about the product, in the brief's order, deduplicated.

    The product name, calls to action, URLs, the audience phrase and the request itself
    ("make a luxurious promo for") are not selling points.
    """
    body = _CTA.sub(" ", _URL.sub(" ", _VISIT.sub(" ", text)))
    if audience_text:
        body = re.sub(
            r"\b(?:for|aimed at|targeting|made for|designed for|perfect for|"
            r"ideal for)\s+" + re.escape(audience_text),
            " ",
            body,
            flags=re.I,
        )
    points: list[str] = []
    for raw in _CLAUSE_SPLIT.split(body):
        clause = raw.strip()
        if not clause or _PROMPT_WORDS.search(clause):
            continue
        core = name[4:] if name.startswith("The ") else name
        at = clause.lower().find(core.lower()) if core else -1
        if at >= 0:  # "the new linen dress in sage green" -> "in sage green"
            clause = clause[at + len(core) :]
        clause = _LEADING_FILLER.sub("", clause.strip(" ,.;:!?-"))
        clause = re.sub(
            r"\s+(?:and|or|with|for|in|of|to)$", "", clause.strip(" ,.;:!?-"), flags=re.I
        )
        words = clause.split()
        if not words or len(words) > 14:
            continue
        if len(words) == 1 and len(clause) < 6 and "-" not in clause:
            continue  # "new", "women": fragments of a list, not points
        points.append(clean(clause))
    return tuple(dict.fromkeys(points))  # dedupe, keep order


def tone_words(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    return tuple(
        dict.fromkeys(word for stem, word in TONE_WORDS if re.search(rf"\b{stem}", lowered))
    )


def parse_brief(text: str, kind: JobKind, detected_text: Sequence[str] = ()) -> ParsedBrief:
    name = product_name(text, detected_text)
    cta, url, explicit = call_to_action(text, kind)
    who = audience(text)
    return ParsedBrief(
        product_name=name,
        selling_points=selling_points(text, name, who),
        audience=who,
        call_to_action=cta,
        cta_explicit=explicit,
        url=url,
        tone=tone_words(text),
    )
