"""The product's name and brand as a brief states them (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
from aistudio.tools.planner.brief_product import (
    LETTER_SIZE,
    NOT_PRODUCTS,
    SIZE,
    common_first,
    salient_noun_phrase,
)
from aistudio.tools.planner.brief_words import (
    BRAND_LABELS,
    COMMON_ACRONYMS,
    FIELD_LABELS,
    NAME_LABELS,
    NOT_NAMES,
    PRODUCT_NOUNS,
)
from aistudio.tools.planner.grammar import URL, classify, head_noun_phrase
from aistudio.tools.planner.lexicon import (
    FUNCTION_WORDS,
    adjective_preferred,
    in_lexicon,
    open_classes,
)

_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,40})[\"“”«»]")
_CAPWORD = r"(?:[A-Z0-9][\w&'’.+-]*)"
_CAP_PHRASE = re.compile(
    rf"{_CAPWORD}(?:\s+(?:{_CAPWORD}|(?:de|du|la|le|of|the|&)(?!\S)|No\.?\s*\d+))*"
)
_INTRO = re.compile(
    rf"\b(?:for|introducing|meet|called|named|presenting|launching|launch of|about)\s+"
    rf"(?:the\s+|our\s+|my\s+|a\s+|an\s+)?({_CAPWORD}(?:\s+(?:{_CAPWORD}|(?:de|of|&)(?!\S)))*)"
)
_PLACING = frozenset({"at", "from", "by", "on", "in", "near"})
_CATEGORY_OWNERS = frozenset({"men", "women", "kids", "children", "girls", "boys", "baby"})
_CODE_WORDS = frozenset({"code", "coupon", "voucher", "promo"})  # "with code VEG50"
_TIME_WORDS = frozenset({"next", "last", "today", "tonight", "tomorrow", "week", "weekend"})
_CONNECTORS = frozenset({"de", "du", "la", "le", "of", "the", "&"})
_NOUN_PHRASE = re.compile(r"\b((?:[a-z][\w-]+\s+)?(?:" + "|".join(sorted(PRODUCT_NOUNS)) + r"))\b")


def _extend_with_noun(text: str, end: int) -> int:
    """End of a name extended over up to three following words that end in a noun
    ("NORTHWIND storm jacket", "AURUM eau de parfum", "FROST 2 ice cream maker"); not over
    a verb ("Kettle Pro 2 boils a litre") or an activity ("CAMPFIRE stove camping")."""
    best = position = end
    for _ in range(3):
        word = re.match(r"\s+([a-z][\w-]*)(['’]s\b)?", text[position:])
        if not word or word.group(1) in FUNCTION_WORDS | _TIME_WORDS:  # "... at mug", "next week"
            break
        if word.group(2):  # "naval officer's jacket": a possessive goes on to its noun
            position += word.end(2)
            continue
        classes = open_classes(word.group(1))
        if not classes & {"NOUN", "ADJ"} and word.group(1) != "de":
            break
        if "VBZ" in classes and word.group(1) not in PRODUCT_NOUNS:  # "drone flies 40 min"
            break
        position += word.end(1)
        if "NOUN" in classes and not adjective_preferred(word.group(1)):
            best = position if not word.group(1).endswith("ing") else best
    return best


def _name(text: str, start: int, end: int) -> str:
    if text[start:end].endswith("."):  # "FJORD. chunky ..." ends a sentence, not a name
        return clean(text[start:end])
    words = text[start : _extend_with_noun(text, end)].split()
    while len(words) > 1 and words[-1].lower() in _CONNECTORS:
        words.pop()
    return clean(" ".join(words))


def _quoted_name(text: str, _label: Sequence[str]) -> str | None:
    quoted = _QUOTED.search(text)
    return clean(quoted.group(1)) if quoted else None


def _heading_name(text: str, label: Sequence[str]) -> str | None:
    # "AURUM Eau de Parfum: amber and vanilla..." names the product before the colon;
    # "Tone: warm" or "Brand identity: bold" is a field, not a name.
    head, colon, _ = text.partition(":")
    words = head.split()
    while words and words[0].lower() in NOT_NAMES:
        words.pop(0)
    heading = " ".join(words)
    subject = re.split(r"\s+(?:with|of|for|in|on|at)\s+", heading, maxsplit=1)[0].split()
    if (
        not colon
        or not 1 <= len(words) <= 6
        or PROMPT_WORDS.search(head)
        or head.strip().lower() in FIELD_LABELS
        or "\n" in head
        # "3 weeks with the Kindle", "Day 10 with the Oura ring": a time, not the product
        or any(w.lower() in NOT_PRODUCTS for w in subject[-2:] if not w[:1].isdigit())
    ):
        return None
    kind = classify(heading)
    short = len(words) <= 3 and words[-1].isalpha()  # "Juice cleanse": nouns verbs share
    if kind not in ("np", None) and not (short and kind == "imperative"):
        return None
    if len(words) > 3 and kind != "np":
        return None
    printed = {w.lower() for w in label}
    if heading[:1].islower() and heading.lower() not in printed:  # "our new matcha tea: ..."
        return f"The {heading}"
    return _generic(clean(heading))


def _generic(name: str) -> str:
    """A name made of dictionary words only is a thing, not a brand: it reads "the
    espresso workshop" mid-sentence ("Introducing the espresso workshop")."""
    words = name.split()
    coined = any(  # lowercase words are common nouns even when rare ("midi", "merino")
        (w.isupper() and len(w) > 1)
        or any(c.isdigit() for c in w)
        or (w[:1].isupper() and not in_lexicon(w.lower()))
        for w in words
    )
    if coined or words[0].lower() == "the" or any(w[:1].isupper() for w in words[1:]):
        return name
    return f"The {name[:1].lower()}{name[1:]}"


def _intro_name(text: str, _label: Sequence[str]) -> str | None:
    intro = _INTRO.search(text)
    first = intro.group(1).split()[0] if intro else ""
    if intro and first[:1].isalpha() and first.lower() not in NOT_NAMES | COMMON_ACRONYMS:
        return _name(text, intro.start(1), intro.end(1))
    return None


def _label_name(text: str, detected_text: Sequence[str]) -> str | None:
    # A word printed on the product and repeated in the brief is the surest brand, when
    # the brief writes it as a name: "hyaluronic acid" in lower case is an ingredient the
    # label lists, not the name "GLOW SERUM" the brief opens with.
    lowered = text.lower()
    on_label = sorted(
        (
            w
            for w in detected_text
            if len(w) >= 3 and w.lower() in lowered and text[lowered.index(w.lower())].isupper()
        ),
        key=len,
        reverse=True,
    )
    if not on_label:
        return None
    start = lowered.index(on_label[0].lower())
    for phrase in _CAP_PHRASE.finditer(text):  # the whole name the label word opens
        if phrase.start() <= start < phrase.end():
            return _name(text, phrase.start(), phrase.end())
    return _name(text, start, start + len(on_label[0]))


def _brand_like(word: str) -> bool:
    """ALL CAPS ("LUMA") or a capitalised model code ("X100"); not "40-hour" or "No."."""
    bare = word.strip(".,'’")
    if bare.lower() in COMMON_ACRONYMS or SIZE.match(bare):  # "A3", "S-XXL": sizes
        return False
    shouted = bare.isupper() and sum(c.isalpha() for c in bare) > 1
    return shouted or (bare[:1].isupper() and any(c.isdigit() for c in bare))


def _no_name(words: Sequence[str], branded: bool) -> bool:
    """A capitalised phrase that is a measure, not a name: "4 pack", "50 hours", "Sizes XS
    to XL", "XS-XXL"."""
    counted = not branded and words[0][:1].isdigit()
    return counted or words[0].lower() in NOT_PRODUCTS or bool(LETTER_SIZE.match(words[-1]))


def _lead_name(text: str, _label: Sequence[str]) -> str | None:
    """The first capitalised phrase with a brand in it ("the LUMA concealer"), else the
    first Title Case name of two words or more ("Hand Cream No. 5") that no preposition
    puts somewhere else ("at Hollow Oak Bakery", "from Maison Lune"). A lone capitalised
    word is no name: a sentence may open on "Honestly", "Soft" or "I'm"."""
    phrases = []
    for match in _CAP_PHRASE.finditer(text):
        words = match.group(0).split()
        for k, word in enumerate(words):  # "CRUNCH. 20g protein": the sentence ends the name
            if word.endswith(".") and word.lower() != "no.":
                words = words[: k + 1]
                break
        while words and words[0].lower().strip(".,:;!") in NOT_NAMES | COMMON_ACRONYMS:
            words.pop(0)
        opened_placed = bool(words) and words[0].lower() in _PLACING  # "From Maison Lune"
        words = words[1:] if opened_placed else words
        branded = any(_brand_like(w) for w in words)
        if words and _no_name(words, branded):
            continue
        while branded and not _brand_like(words[0]):  # "Testing the BOLT 3" -> "BOLT 3"
            words.pop(0)
        if not words:
            continue
        lead = re.findall(r"[\w']+", text[: match.start() + match.group(0).index(words[0])])
        if lead and lead[-1].lower() in _CODE_WORDS:
            continue  # a discount code, not a brand
        if len(words) > 2 and words[1] == "the":  # "Trying the Sunrise": a verb opens it
            words = words[2:]
        start = match.start() + match.group(0).index(words[0])
        before = re.findall(r"[\w']+", text[:start].lower())[-2:]
        placed = opened_placed or any(w in _PLACING for w in before)
        # "Tried the" is one capital word; so is "Free UK delivery" (an acronym is no name)
        capitals = sum(w[:1].isupper() and w.lower() not in COMMON_ACRONYMS for w in words)
        titled = capitals >= 2 and not words[-1].endswith(".") and not placed
        if branded or titled:
            end = text.index(words[-1], start) + len(words[-1])  # "CRUNCH." ends the name
            name = _name(text, start, end)
            if len(name.split()) <= 6:
                phrases.append((branded, name))
    with_brand = [name for brand, name in phrases if brand]
    if with_brand:
        return with_brand[0]
    return _generic(phrases[0][1]) if phrases else None


def _salient_name(text: str, _label: Sequence[str]) -> str | None:
    phrase = salient_noun_phrase(cta_text.segments(text))
    if not phrase:
        return None
    # A thing, written as the brief writes it: "the cement mixer"; a capital stays a name
    # inside it ("the Kyoto pagoda photo print", not "Kyoto" for short). A name's
    # possessive takes no article: "Grandma's strawberry jam".
    owner = re.match(r"([A-Z]\w*)['’]s?\b", phrase)
    if owner and owner.group(1).lower() in _CATEGORY_OWNERS:  # "Men's chinos": a category
        return f"The {phrase[:1].lower()}{phrase[1:]}"
    return phrase if owner else f"The {phrase}"


def _noun_name(text: str, _label: Sequence[str]) -> str | None:
    nouns = _NOUN_PHRASE.search(text.lower())
    if not nouns:  # the noun phrase the brief opens with: "silver hoop earrings, ..."
        first = cta_text.segments(text)[:1]
        head = head_noun_phrase(re.split(r"[,;:]", first[0])[0]) if first else None
        return f"The {head.lower()}" if head and classify(head) == "np" else None
    generic = " ".join(w for w in nouns.group(1).split() if w not in NOT_NAMES)
    # No brand in the brief: a generic name reads "the travel mug" mid-sentence.
    return f"The {generic}" if generic else None


_NAME_FINDERS = (
    _quoted_name,
    _heading_name,
    _intro_name,
    _label_name,
    _lead_name,
    _salient_name,
    _noun_name,
)


def _scrubbed(text: str, found: cta_text.FoundCta | None) -> str:
    """The brief without its call to action, field lines the name is not in, web addresses
    and hashtags (all capitalised or name-like, none a product name)."""
    if found:
        text = text.replace(found.segment, " ")
    lines = [line for line in text.splitlines() if field_label(line) is None]
    return unquote_names(HASHTAGS.sub(" ", URL.sub(" ", "\n".join(lines))))


def product_name(text: str, detected_text: Sequence[str] = ()) -> str:
    """The product's name, by how surely the brief states it: a "Product:" field, a quoted
    name, a heading before a colon, "for/introducing X", a word printed on the label that
    the brief repeats, a capitalised brand or Title Case name, the noun phrase the brief
    names the product with, then the first product noun."""
    labelled = clean(cta_text.trim(field(fields(text), NAME_LABELS) or "")).split()
    if labelled:  # "Product: Cold brew concentrate" reads "the cold brew concentrate"
        written = " ".join(common_first(labelled))
        return f"The {written}" if written[:1].islower() else written
    scrubbed = _scrubbed(text, cta_text.find_cta(text))
    for finder in _NAME_FINDERS:
        name = finder(scrubbed, detected_text)
        if name:
            return name
    return "The product"


def brand(text: str, name: str) -> str | None:
    """The brand the brief names: a "Brand:" field, else the name's leading words that
    are no dictionary words ("AURUM" of "AURUM Eau de Parfum", "Lumen" of "Lumen desk lamp")."""
    labelled = field(fields(text), BRAND_LABELS)
    if labelled:
        return clean(cta_text.trim(labelled))
    words: list[str] = []
    style = ""  # a brand is a run of words written alike: "AURUM" of "AURUM Eau de Parfum"
    for word in name.split():
        bare = word.strip(".,'’").lower()
        shouted = word.isupper() and len(word) > 2 and bare not in PRODUCT_NOUNS
        coined = word[:1].isupper() and not in_lexicon(bare) and bare not in NOT_NAMES
        kind = "upper" if shouted or (word == "&" and style == "upper") else "coined"
        if not (shouted or coined or word == "&") or (style and kind != style):
            break
        style = style or kind
        words.append(word)
    while words and words[-1] == "&":
        words.pop()
    return " ".join(words) or None
