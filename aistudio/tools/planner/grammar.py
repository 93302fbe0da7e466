"""A closed grammar over brief fragments and generated copy (pure, deterministic).

Two uses, one set of rules:
* `classify` says what a fragment of a brief *is* — a noun phrase ("taped seams"), an
  adjective phrase ("grain free"), a predicate about the product ("keeps coffee hot"), a
  whole clause ("my skin looks brighter") or an imperative ("book your seat") — or None.
  The copywriter puts a fragment into a template slot only when its category is the slot's.
* `copy_rules.problems`, built on this module's tokens and phrases, lists what is certainly
  wrong in a line of copy ("the your", a determiner with no noun, a line ending on "at").
  The rules read closed word classes and lexicon classes only, so each flags a
  construction English does not have; they are the `copy_quality` check's grammar and
  apply to LLM-written copy too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from aistudio.tools.planner.lexicon import (
    DANGLING_END,
    FUNCTION_WORDS,
    LINKING_VERBS,
    POSSESSIVES,
    PREDETERMINERS,
    adjective_preferred,
    open_classes,
    word_classes,
)

URL = re.compile(
    r"\b(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|co|io|shop|store|"
    r"example|net|org|eu|uk|de|fr|app|ai|us|ca|au|nl|it|es|studio|coffee|bike|beauty|xyz)"
    r"(?:/[\w/.%?=&-]*[\w/])?(?![\w-])",
    re.IGNORECASE,
)
_TOKEN = re.compile(
    rf"(?P<url>{URL.pattern})|(?P<handle>[@#][\w.]*\w)|(?P<numbered>\bNo\.\s?\d+\b)"
    r"|(?P<compound>\b\d+(?:[.,]\d+)?(?:-[A-Za-z]+)+\b)"  # "4-pack", "3-pair", "30-day"
    r"|(?P<num>[$€£]?\d+(?:[.,:/-]\d+)*(?:%|[a-zA-Z]+\d*)?)"
    r"|(?P<word>[A-Za-z]+(?:['’-][A-Za-z0-9]+)*)"
    r"|(?P<punct>[.,;:!?()\"“”‘’'&+/–—|-])",
    re.IGNORECASE,
)
_SENTENCE_END = frozenset(".!?")
_BOUNDARY = frozenset('.!?,;:()"“”–—|')
NP_PREPOSITIONS = frozenset({"with", "in", "for", "of", "from", "on", "without", "at", "by"})
ARTICLES = frozenset({"a", "an", "the", "every", "each"})
_HEAD_CLASSES = frozenset({"NOUN", "NAME", "NUM"})
MODIFIER_CLASSES = frozenset({"ADJ", "NOUN", "NAME", "NUM", "VBN", "VBG", "ADV"})
_ADJECTIVE_SHAPE = re.compile(r"(?:proof|free|safe|able|ible|ful|less|ous|ive|ish)$")
_FINITE = frozenset({"VB", "VBZ", "VBD", "AUX", "MODAL"})
VERBISH = frozenset({"VB", "VBZ", "VBD", "VBN", "VBG", "AUX", "MODAL"})

_TIME_ADVERBS = frozenset({"today", "tonight", "tomorrow", "daily", "overnight", "noon"})
_TIME_NOUNS = frozenset(
    {"morning", "afternoon", "evening", "night", "day", "week", "weekend", "month", "season"}
)

# Plurals that modify a noun ("kids raincoat", "sports bra"); never a verb opening a predicate.
_PLURAL_MODIFIERS = frozenset({"kids", "sports", "mens", "womens", "girls", "boys", "babies"})

Kind = Literal["np", "adjp", "pred", "clause", "imperative"]


@dataclass(frozen=True)
class Token:
    text: str
    tags: frozenset[str]

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return "PUNCT" not in self.tags

    def has(self, *tags: str) -> bool:
        return any(t in self.tags for t in tags)


def tokens(text: str) -> list[Token]:
    """Words, numbers, URLs, handles and punctuation; emoji and other symbols are dropped."""
    out: list[Token] = []
    start = True
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group(0)
        if kind == "url":
            tags = frozenset({"URL", "NOUN", "NAME"})
        elif kind == "compound":  # a number-word compound is the word it ends on
            last = value.rsplit("-", 1)[1]
            tags = word_classes(last, sentence_start=False) - {"NAME"} or frozenset({"NOUN"})
        elif kind in ("handle", "numbered"):  # "@brand", "No. 5": names
            tags = frozenset({"NAME", "NOUN"})
        else:
            tags = word_classes(value, sentence_start=start)
        out.append(Token(value, tags))
        start = value in _SENTENCE_END or (start and kind == "punct")
    return out


def sentences(toks: Sequence[Token]) -> list[list[Token]]:
    """Token runs between sentence ends (".", "!", "?")."""
    out: list[list[Token]] = [[]]
    for tok in toks:
        if tok.text in _SENTENCE_END:
            out.append([])
        else:
            out[-1].append(tok)
    return [s for s in out if any(t.is_word for t in s)]


def can_head(tok: Token, after_modifier: bool = False) -> bool:
    """Whether a word can end a noun phrase. A word that is mostly an adjective heads one
    only behind a modifier that is not an adverb ("relaxed fit", not "the simple")."""
    if tok.lower in FUNCTION_WORDS or not tok.has(*_HEAD_CLASSES):
        return False
    return tok.has("NAME", "NUM") or after_modifier or not adjective_preferred(tok.lower)


def after_adverb(prev: Token, tok: Token) -> bool:
    """Whether `tok` is an adjective or participle graded by the adverb before it ("fully
    insured", "super lightweight"): an adverb modifies no noun, so no noun phrase ends here."""
    return prev.tags <= {"ADV"} and tok.has("ADJ", "VBN")


def _agent_noun(tok: Token) -> bool:
    return tok.lower.endswith("er") and "NOUN" in tok.tags


def _time_end(toks: Sequence[Token], i: int) -> int | None:
    """End of a time phrase at i ("this morning", "by tonight", "every day"), or None:
    what a participle may take ("picked this morning", "delivered by tonight")."""
    k = i + (i < len(toks) and toks[i].lower in ("by", "before", "within", "in", "until"))
    if k < len(toks) and toks[k].lower in _TIME_ADVERBS:
        return k + 1
    timed = k + 1 < len(toks) and toks[k + 1].lower in _TIME_NOUNS
    if timed and toks[k].lower in ("this", "every", "each", "last", "next", "the"):
        return k + 2
    return None


def _is_modifier(tok: Token) -> bool:
    return tok.lower not in FUNCTION_WORDS and tok.has(*MODIFIER_CLASSES)


def np_ends(toks: Sequence[Token], i: int, depth: int = 0, *, phrases: bool = True) -> set[int]:
    """Every j such that toks[i:j] is a noun phrase:
    (DET|POSS)? MODIFIER* HEAD ((with|in|for|of|...) NP)? ((and|or|,) NP)?
    (without the trailing phrases when not `phrases`)."""
    if depth > 3 or i >= len(toks):
        return set()
    starts = {i}
    if toks[i].lower in PREDETERMINERS and i + 1 < len(toks):
        starts.add(i + 1)
    for s in list(starts):
        if s < len(toks) and toks[s].has("DET", "POSS") and toks[s].lower not in ("no", "that"):
            starts.add(s + 1)
    ends: set[int] = set()
    for s in starts:
        k = s
        while k < len(toks) and _is_modifier(toks[k]):
            # "relaxed fit", "washed black": a noun behind an adjective; not "grain free"
            behind = k > s and toks[k - 1].has("ADJ", "VBN") and toks[k - 1].lower not in ("grain",)
            # "foam cleaner", "hair dryer": an agent noun in -er behind a noun
            behind = behind or (
                k > s and _agent_noun(toks[k]) and toks[k - 1].tags <= {"NOUN", "VB"}
            )
            graded = k > s and after_adverb(toks[k - 1], toks[k])  # "fully insured"
            if not graded and can_head(
                toks[k], behind and not _ADJECTIVE_SHAPE.search(toks[k].lower)
            ):
                ends.add(k + 1)
            k += 1
    for end in list(ends) if phrases else ():
        if end < len(toks) and toks[end].lower in NP_PREPOSITIONS:
            ends |= np_ends(toks, end + 1, depth + 1)
        if end < len(toks) and toks[end].lower in ("and", "or", "&", ","):
            ends |= np_ends(toks, end + 1, depth + 1)
    return ends


# Adjectives that form compounds with a noun before them ("grain free", "dishwasher safe",
# "water resistant", "sage green"); after a word that can be a verb, any other adjective is
# the verb's complement ("start slow", "go crazy").
_COMPOUND_ADJECTIVES = frozenset(
    """free safe proof resistant friendly ready tight washable repellent resistant
    green blue red black white grey gray pink yellow brown purple orange""".split()  # noqa: SIM905
)


def _compound_adjective(noun: Token, adjective: Token) -> bool:
    if not adjective.has("ADJ"):
        return False
    return not noun.has("VB") or adjective.lower in _COMPOUND_ADJECTIVES


def _adjp_ends(toks: Sequence[Token], i: int, depth: int = 0) -> set[int]:
    """ADV* (NOUN)? (ADJ|VBN)+ ((and|,) ADJP)? (PP)?: "grain free", "soft and light"."""
    k = i
    while k < len(toks) and (toks[k].has("ADV") or toks[k].tags == {"NUM"}):
        if toks[k].has("ADJ", "VBN"):
            break
        k += 1  # "ultra light", "100% vegan"
    compound = k < len(toks) and toks[k].has("NOUN") and toks[k].lower not in LINKING_VERBS
    if compound and k + 1 < len(toks) and _compound_adjective(toks[k], toks[k + 1]):
        k += 1  # "grain free", "dishwasher safe", "sage green"; not "look sick", a verb
    ends: set[int] = set()
    while k < len(toks) and toks[k].lower not in FUNCTION_WORDS and toks[k].has("ADJ", "VBN"):
        k += 1
        ends.add(k)
    for end in list(ends):
        timed = _time_end(toks, end) if toks[end - 1].has("VBN") else None
        if timed:
            ends.add(timed)
        if depth < 2 and end < len(toks) and toks[end].lower in ("and", "or", ","):
            ends |= _adjp_ends(toks, end + 1, depth + 1)
        if depth < 2 and end < len(toks) and toks[end].lower in NP_PREPOSITIONS:
            ends |= np_ends(toks, end + 1, depth + 1)
    return ends


def _complete(toks: Sequence[Token]) -> bool:
    """A run of words that does not stop on a function word that needs a continuation."""
    words = [t for t in toks if t.is_word]
    return bool(words) and words[-1].lower not in DANGLING_END


def _clause_verb(toks: Sequence[Token]) -> int | None:
    """Index of the finite verb after a subject at the start, or None."""
    first = toks[0]
    if first.has("PRON") and first.has("AUX"):  # "it's", "I'm"
        return 0
    pronoun = first.lower in ("i", "you", "we", "they", "he", "she", "it")
    for end in sorted(({1} if pronoun else set()) | np_ends(toks, 0)):
        k = end
        while k < len(toks) and toks[k].has("ADV") and not toks[k].has(*_FINITE):
            k += 1
        if k >= len(toks) or toks[k].lower in POSSESSIVES:
            continue
        # A base verb agrees only with a plural or pronoun subject ("beans roast", "I love"),
        # so "test ride" and "grain free" are no clauses.
        plural = pronoun or toks[end - 1].lower.endswith("s")
        if toks[k].has("VBZ", "VBD", "AUX", "MODAL") or (plural and toks[k].has("VB")):
            return k
    return None


def classify(text: str) -> Kind | None:
    """What a fragment is, by the first rule that covers all of it; None when none does."""
    toks = [t for t in tokens(text) if t.is_word or t.text in ",&-"]
    toks = [t for t in toks if t.text != "-"]
    if not toks or not _complete(toks):
        return None
    n, first = len(toks), toks[0]
    plural_modifier = first.lower in _PLURAL_MODIFIERS or (n > 1 and toks[1].text in "'’")
    verb_first = first.has("VBZ") and first.lower not in FUNCTION_WORDS and not plural_modifier
    predicate = verb_first and (n == 1 or toks[1].lower != "of")  # not "notes of amber"
    rules: tuple[tuple[Kind, Callable[[], bool]], ...] = (
        ("pred", lambda: predicate and n > 1),  # "blends smoothies in 30 seconds"
        ("np", lambda: n in np_ends(toks, 0)),
        ("clause", lambda: _clause_verb(toks) is not None),
        ("pred", lambda: predicate),  # "absorbs"
        ("adjp", lambda: n in _adjp_ends(toks, 0)),
        ("imperative", lambda: first.has("VB") and first.lower not in FUNCTION_WORDS),
    )
    return next((kind for kind, holds in rules if holds()), None)


def head_noun_phrase(text: str) -> str | None:
    """The noun phrase a fragment opens with, without its determiner ("Salmon cat food
    with real salmon" -> "Salmon cat food"), or None."""
    toks = [t for t in tokens(text) if t.is_word]
    if not toks:
        return None
    start = 1 if toks[0].has("DET", "POSS") and toks[0].lower != "no" else 0
    simple = [e for e in np_ends(toks, start, phrases=False) if e > start]
    return " ".join(t.text for t in toks[start : max(simple)]) if simple else None


def shorter_forms(text: str) -> list[str]:
    """Shorter versions of `text` that are still whole phrases, longest first: leading
    sentences, the text before a trailing phrase ("Relaxed fit for city rain" -> "Relaxed
    fit"), then the noun phrase with fewer modifiers ("Recycled shell"). Never a cut in the
    middle of a phrase."""
    toks = tokens(text)
    forms: list[str] = []
    for k, tok in enumerate(toks):
        if k and (tok.text in _BOUNDARY or tok.lower in NP_PREPOSITIONS | {"and", "or", "that"}):
            prefix = toks[:k]
            if _complete(prefix) and classify(_join(prefix)) is not None:
                forms.append(_join(prefix))
    head = head_noun_phrase(text) if classify(text) in ("np", "adjp") else None
    if head:  # fewer modifiers: "Waterproof recycled shell" -> "Recycled shell"
        words = head.split()
        for m in range(1, len(words)):
            rest = " ".join(words[m:])
            number_cut = any(ch.isdigit() for ch in words[m - 1])  # keep "80 km" together
            # "Limited edition ...", "Stainless steel ...": a pure adjective before a noun
            # modifier modifies that noun, so they go together
            pair = _pure_adjective(words[m - 1]) and "ADJ" not in open_classes(words[m].lower())
            number_cut = number_cut or (pair and m < len(words) - 1)
            single = len(words) - m == 1 and (len(rest) < 3 or adjective_preferred(rest.lower()))
            if not number_cut and not single and classify(rest) == "np":
                forms.append(rest)
    # Without its intensifiers, a phrase says the same in fewer words: "My skin texture is
    # so much smoother" -> "My skin texture is smoother"
    words = text.split()
    graded = [  # an intensifier before the adjective or adverb it grades, not "so you can"
        w.lower() in _INTENSIFIERS
        and k + 1 < len(words)
        and bool(open_classes(words[k + 1].lower().strip(".,!?")) & {"ADJ", "ADV"})
        for k, w in enumerate(words)
    ]
    plain = " ".join(w for w, drop in zip(words, graded, strict=True) if not drop)
    if plain != text and classify(plain) == classify(text):
        forms.append(plain)
    out = [f.strip(" ,;:") for f in forms]
    out = [f[:1].upper() + f[1:] for f in out if f and f.lower() != text.lower()]
    return sorted(dict.fromkeys(out), key=len, reverse=True)


_INTENSIFIERS = frozenset(
    "so very really super much literally actually basically totally truly".split()  # noqa: SIM905
)


def _pure_adjective(word: str) -> bool:
    classes = open_classes(word.lower())
    return bool(classes & {"ADJ", "VBN"}) and "NOUN" not in classes


def _join(toks: Sequence[Token]) -> str:
    text = ""
    for tok in toks:
        glue = "" if not text or tok.text in ",.;:!?)”’" or text.endswith(("(", "“")) else " "
        text += glue + tok.text
    return text


def is_truncation(short: str, source: str) -> bool:
    """Whether `short` is `source` cut off mid-phrase: a word-prefix of it that stops
    before the rest of a phrase ("My picky tabby finally cleans" of "... cleans her bowl").
    Stopping before a preposition, conjunction or punctuation drops a whole phrase."""
    a = [t.lower for t in tokens(short) if t.is_word]
    b_toks = [t for t in tokens(source) if t.is_word or t.text in _BOUNDARY]
    b = [t for t in b_toks if t.is_word]
    if not a or len(a) >= len(b) or [t.lower for t in b[: len(a)]] != a:
        return False
    # Where the cut falls in the source, punctuation included.
    seen, at = 0, 0
    for at, tok in enumerate(b_toks):  # noqa: B007 - `at` is read after the loop
        if tok.is_word:
            seen += 1
            if seen == len(a):
                break
    following = b_toks[at + 1] if at + 1 < len(b_toks) else None
    if following is None or not following.is_word:
        return False
    return following.lower not in NP_PREPOSITIONS | {"and", "or", "that", "which", "who"}
