"""The product a brief talks about when no capitalised brand or label names it (pure).

Ordinary briefs name the product with a common noun phrase ("ok so this lightbulb changes
colour", "We took the cement mixer to the allotment", "cordless drill, 18V, 2 batteries").
Every simple noun phrase of the brief is a candidate; the grammar finds them
(`grammar.np_ends`), so a candidate never crosses a sentence end or a comma and never ends
on an adjective, a pronoun or a contraction. Candidates that name people, pets, places,
times, sizes or the video itself are no product; among the rest the brief's cues decide:
"this/these X", "using/trying X", the noun phrase a brief opens with, a product noun.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.tools.planner.brief_words import PRODUCT_NOUNS
from aistudio.tools.planner.grammar import Token, np_ends, tokens
from aistudio.tools.planner.lexicon import FUNCTION_WORDS, in_lexicon

# Heads that name no product: people and pets, places and times, amounts and sizes, the
# video itself, and words for "a thing".
NOT_PRODUCTS = frozenset(
    """cat cats dog dogs puppy kitten pet pets kid kids child children baby daughter son
    sister brother mum mom dad mother father wife husband partner family friend friends
    grandma grandpa everyone someone people women men girl boy customer customers team
    farm shop store cafe bakery market studio place flat house home kitchen garden
    allotment corner office gym bath city street way life back pain skin hair face eyes
    teeth body morning evening night day days week weeks month months year years hour
    hours minute minutes mins time today tonight weekend summer winter spring autumn
    sale sales discount deal offer code price shipping returns size sizes colour
    colours color colors age ages batch drop restock launch range collection line
    video promo ad clip reel review content vibe pov routine thing things stuff one lot
    bit kind type condition new food lunch breakfast dinner wedding weddings party parties holidays
    holiday course courses group groups breed breeds water milk checkout link bio ok okay
    lol omg wow yes hi hey please how why what when where monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august
    september october november december""".split()  # noqa: SIM905 - a word list
)
# Words that praise the product rather than name it ("the perfect pizza oven").
_PRAISE = frozenset(
    """perfect best new all-new brand-new favourite favorite go-to bestselling best-selling
    ultimate amazing awesome fave beloved iconic famous latest""".split()  # noqa: SIM905
)
_DEMONSTRATIVES = frozenset({"this", "these", "those"})  # "that" is mostly "which"
_TRYING = frozenset(
    {"using", "use", "trying", "tried", "try", "testing", "tested", "reviewing", "unboxing"}
)
_SUBJECTS = frozenset({"i", "we", "you", "they", "he", "she", "please", "just"})
_QUANTIFIERS = frozenset({"every", "each", "all", "any", "some", "no", "another", "more"})
_OWNERS = frozenset({"my", "our", "your", "his", "her", "their"})
_SINGULAR = frozenset({"this", "that", "a", "an", "each", "every"})
SIZE = re.compile(r"^(?:[A-Z]\d{1,2}|X{0,3}[SML]|\d*XL|[SML]-X*[SML]|[\d.,x×/-]+\w{0,3})$")


@dataclass(frozen=True)
class _Candidate:
    words: tuple[Token, ...]
    score: float
    position: int


def _verb_at(toks: Sequence[Token], k: int) -> bool:
    return k < len(toks) and toks[k].has("VB", "VBZ", "VBD", "VBN", "VBG")


def _phrase_end(toks: Sequence[Token], i: int, ends: set[int]) -> int:
    end = max(ends)
    nxt = toks[end] if end < len(toks) else None
    if nxt is not None and nxt.lower.endswith("er") and nxt.has("NOUN"):
        end += toks[end - 1].has("NOUN") and not toks[end - 1].has("ADJ")  # "foam cleaner"
    return end


def _trimmed(words: list[Token], det: Token | None, before: str) -> list[Token]:
    """The words of a noun phrase that name the product: without its owner ("my
    daughter's"), praise ("the perfect"), a verb read as a modifier ("We rent out")."""
    owner = det is not None and det.lower in _OWNERS
    if owner and len(words) > 1 and re.search(r"['’]s?$|^kids$", words[0].text):
        words = words[1:]  # "Grandma's strawberry jam" (no determiner) is a name
    while len(words) > 1 and (words[0].lower in _PRAISE or words[0].has("ADV")):
        words = words[1:]
        if len(words) > 1 and words[0].lower == "selling":  # "best selling"
            words = words[1:]
    if before in _SUBJECTS and det is None and words and words[0].has("VB", "VBD", "VBZ"):
        words = words[1:]  # "We rent out ...", "I made pancakes"
    singular = det is not None and det.lower in _SINGULAR
    for k in range(1, len(words) - 1):  # "this lightbulb changes colour": a verb
        after_product = words[k - 1].lower in PRODUCT_NOUNS  # "the CLIP lamp saves space"
        verb = words[k].has("VBZ") and not words[k - 1].lower.endswith("s")
        if verb and (singular or after_product) and words[k].lower not in PRODUCT_NOUNS:
            return words[:k]
    # "puppy training classes start again": a plural subject and its verb
    plural_subject = len(words) > 2 and words[-2].lower.endswith("s")
    if plural_subject and words[-1].has("VB") and words[-1].lower not in PRODUCT_NOUNS:
        words = words[:-1]
    return words


def _names_no_product(words: Sequence[Token]) -> bool:
    head = words[-1] if words else None
    if head is None or head.has("PRON", "AUX") or head.lower in FUNCTION_WORDS:
        return True
    if "NUM" in head.tags or SIZE.match(head.text):
        return True
    if re.sub(r"['’]s?$", "", head.lower) in NOT_PRODUCTS:
        return True
    # "unboxing", "packing": what the creator does
    return len(words) == 1 and head.tags <= {"VBG", "NOUN", "VB"} and head.lower.endswith("ing")


def _score(det: str, before: str, head: Token, opens: bool) -> float:
    score = 6.0 if det in _DEMONSTRATIVES else 0.0
    score += 2 * (before in _TRYING)
    if before in ("at", "from", "by", "in") and head.has("NAME"):
        score -= 3  # "at Hollow Oak Bakery", "from Leafy Labs": the seller
    score += head.lower in PRODUCT_NOUNS
    if opens and det not in _QUANTIFIERS:
        score += 4  # the noun phrase a brief opens with: "cordless drill, 18V, ..."
    return score


def _candidates(segment: str, first: bool, position: int) -> list[_Candidate]:
    toks = tokens(segment)
    out: list[_Candidate] = []
    i = 0
    while i < len(toks):
        ends = {e for e in np_ends(toks, i, phrases=False) if e > i}
        if not ends or not toks[i].is_word:
            i += 1
            continue
        before = toks[i - 1].lower if i else ""
        det = toks[i] if toks[i].has("DET", "POSS") else None
        if det is None and before in _OWNERS | _DEMONSTRATIVES | {"the", "a", "an"}:
            det = toks[i - 1]
            before = toks[i - 2].lower if i > 1 else ""
        # The longest reading that names a product: "Fresh flowers" of "Fresh flowers
        # delivered same day", whose longest reading ends on a time.
        end = _phrase_end(toks, i, ends)
        start = i + (toks[i] is det)
        # The longest reading first; a shorter one only where a verb cut it ("Fresh
        # flowers delivered same day"), not a noun ("Hollow Oak Bakery" is no "Hollow Oak").
        ordered = [e for e in sorted(ends | {end}, reverse=True) if e == end or _verb_at(toks, e)]
        readings = [_trimmed(list(toks[start:e]), det, before) for e in ordered]
        i = end
        named = [w for w in readings if not _names_no_product(w)]
        if not named:
            continue
        words = named[0]
        det_word = det.lower if det is not None else ""
        score = _score(det_word, before, words[-1], first and not out)
        out.append(_Candidate(tuple(words), score, position))
    return out


def common_first(words: Sequence[str]) -> list[str]:
    """The words with a first capital that only opens the sentence dropped: "Cold brew
    concentrate", "Gold-plated hoop earrings", "Beanie". A capital stays where the phrase
    holds a name ("Hand Cream No. 5", "AURUM ...") or a word the lexicon does not know
    modifies the rest ("Kyoto pagoda photo print", "Sunday roast delivery")."""
    first, rest = words[0], list(words[1:])
    sentence_case = first[:1].isupper() and first[1:] == first[1:].lower()
    if not sentence_case or any(w[:1].isupper() for w in rest):
        return [first, *rest]
    known = all(in_lexicon(part) for part in first.lower().split("-") if part)
    return [first.lower(), *rest] if known or not rest else [first, *rest]


def _said(words: Sequence[Token], sentence_start: bool) -> str:
    """The candidate as a name: a word capitalised only because it opens the sentence is
    written in lowercase; names keep their capitals ("Kyoto pagoda photo print")."""
    texts = [t.text for t in words]
    if sentence_start and "NAME" not in words[0].tags:
        texts = common_first(texts)
    return " ".join(texts)


def salient_noun_phrase(segments: Sequence[str]) -> str | None:
    """The noun phrase the brief's segments (sentences, lines, comma parts) most likely
    name the product with, written as the brief writes it, or None."""
    found: list[tuple[_Candidate, bool]] = []
    for position, segment in enumerate(segments):
        first = not any(c for c, _ in found)
        for cand in _candidates(segment, first, position):
            opening = segment.lstrip().startswith(cand.words[0].text)
            found.append((cand, opening))
    if not found:
        return None
    best, opening = max(found, key=lambda f: (f[0].score, -f[0].position))
    return _said(best.words, opening)
