"""Word classes for the copy grammar (pure, deterministic, cached).

Function words come from closed lists written out here: English has a fixed set of
determiners, pronouns, prepositions, conjunctions and auxiliaries, so these lists are
complete for the rules that use them. Open-class words (nouns, verbs, adjectives, adverbs)
come from the lexicon that ships inside the `lemminflect` wheel (MIT; tables derived from
AGID and the NIH SPECIALIST lexicon): every class a word *can* have, plus its inflections.
Nothing is downloaded and nothing is guessed statistically: a word outside the lexicon gets
classes from its spelling (capitals, digits, suffixes), and the grammar treats those
classes as possibilities only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import lemminflect

from aistudio.tools.planner.brief_words import PRODUCT_NOUNS

# -- closed classes ------------------------------------------------------------------------

DETERMINERS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "every",
        "each",
        "any",
        "some",
        "no",
        "another",
        "either",
        "neither",
    ]
)
PREDETERMINERS: Final = frozenset({"all", "both", "half"})  # "all the", "both our"
POSSESSIVES: Final = frozenset(["my", "your", "our", "their", "his", "her", "its"])
SUBJECT_PRONOUNS: Final = frozenset(["i", "you", "we", "they", "he", "she", "it"])
PRONOUNS: Final = SUBJECT_PRONOUNS | frozenset(
    [
        "me",
        "us",
        "them",
        "him",
        "her",
        "yours",
        "mine",
        "ours",
        "theirs",
        "everyone",
        "everything",
        "someone",
        "something",
        "nothing",
        "anyone",
        "anything",
        "yourself",
        "myself",
        "ourselves",
        "itself",
    ]
)
PREPOSITIONS: Final = frozenset(
    [
        "at",
        "in",
        "on",
        "for",
        "with",
        "without",
        "to",
        "from",
        "of",
        "by",
        "about",
        "after",
        "before",
        "under",
        "over",
        "into",
        "onto",
        "through",
        "across",
        "between",
        "near",
        "per",
        "via",
        "like",
        "than",
        "since",
        "until",
        "within",
        "around",
        "off",
        "out",
        "up",
        "down",
        "inside",
        "outside",
        "behind",
        "beside",
        "beyond",
        "during",
        "against",
        "among",
        "upon",
    ]
)
# Prepositions that also end a phrasal verb ("sign up", "check it out", "try it on").
PARTICLES: Final = frozenset(
    ["up", "out", "on", "in", "off", "over", "by", "down", "around", "back"]
)
CONJUNCTIONS: Final = frozenset({"and", "or", "but", "nor", "yet", "&", "plus"})
SUBORDINATORS: Final = frozenset(
    [
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "because",
        "while",
        "when",
        "where",
        "if",
        "though",
        "although",
        "unless",
    ]
)
AUXILIARIES: Final = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
    ]
)
MODALS: Final = frozenset(
    ["can", "could", "will", "would", "shall", "should", "may", "might", "must"]
)
CONTRACTIONS: Final = re.compile(
    r"^(?:i|you|we|they|he|she|it|that|there|what|who)['’](?:s|m|re|ve|ll|d)$"
    r"|^(?:do|does|did|is|are|was|were|can|could|wo|would|should|have|has|had)n['’]t$"
    r"|^(?:ca|ai)n['’]t$",
    re.IGNORECASE,
)
# Words that open a spoken sentence and carry no content of their own.
DISCOURSE_MARKERS: Final = frozenset(
    [
        "honestly",
        "seriously",
        "literally",
        "okay",
        "ok",
        "so",
        "well",
        "basically",
        "actually",
        "and",
        "but",
        "also",
    ]
)
# Sentence-level adverbs that stand alone in copy ("Order today", "Out now").
TIME_ADVERBS: Final = frozenset(
    [
        "now",
        "today",
        "tonight",
        "tomorrow",
        "soon",
        "here",
        "there",
        "online",
        "again",
        "forever",
        "daily",
    ]
)
FUNCTION_WORDS: Final = (
    DETERMINERS
    | POSSESSIVES
    | PRONOUNS
    | PREPOSITIONS
    | CONJUNCTIONS
    | SUBORDINATORS
    | AUXILIARIES
    | MODALS
)
# A line may not end on one of these: "at.", "the.", "and.", "your.", "is."
# (particles and object pronouns can: "Sign up.", "Try it on.", "for her.").
_CAN_END = PARTICLES | frozenset(
    [
        "her",
        "his",
        "its",
        "that",
        "this",
        "these",
        "those",
        "like",
        "plus",
        "any",
        "some",
        "each",
        "another",
        "either",
        "neither",
        "yet",
        "inside",
        "outside",
        "behind",
        "beside",
        "beyond",
        "near",
        "across",
        "within",
        "since",
    ]
)
DANGLING_END: Final = (
    DETERMINERS | POSSESSIVES | PREPOSITIONS | CONJUNCTIONS | MODALS | AUXILIARIES
) - _CAN_END - {"do", "does", "did", "be", "been", "being", "have", "has", "had", "am"} | {
    "which",
    "whose",
    "because",
}

# Nouns the lexicon lacks an adjective reading for, though copy uses them as adjectives.
ADJECTIVE_NOUNS: Final = frozenset(
    [
        "vegan",
        "premium",
        "luxury",
        "gold",
        "golden",
        "unisex",
        "everyday",
        "cruelty-free",
        "organic",
        "perfect",  # the lexicon's noun reading ("the perfect") is no noun in copy
        "ideal",
        "favourite",
        "favorite",
    ]
)
# Colours and materials the lexicon knows only as adjectives, though copy names them.
NOUN_ADJECTIVES: Final = frozenset({"amber", "tan", "ceramic", "audio"})
# Nouns the lexicon knows only as verbs ("a cast iron pan", "a juice cleanse").
MISSING_NOUNS: Final = frozenset({"pan", "cleanse"})
_ADJECTIVE_SUFFIX = re.compile(r"(?:proof|free|able|ible|ful|less|ous|ive|ic|ish)$", re.IGNORECASE)
_WORDISH = re.compile(r"^[A-Za-z][A-Za-z'’-]*$")

Tags = frozenset[str]


def _verb_forms(word: str, lemmas: tuple[str, ...]) -> set[str]:
    forms: set[str] = set()
    for lemma in lemmas:
        table = lemminflect.getAllInflections(lemma, upos="VERB")
        for tag, spelled in table.items():
            if word in spelled:
                forms.add("VB" if tag == "VBP" else tag)
                if tag == "VBD" and ("VBN" not in table or word.endswith("ed")):
                    forms.add("VBN")  # the table lists a participle only when it differs
    if forms:
        return forms
    if word.endswith("ed"):  # a spelling the table lacks ("knitted" beside "knit")
        return {"VBD", "VBN"}
    return {"VBG"} if word.endswith("ing") else {"VBZ"} if word.endswith("s") else {"VB"}


@lru_cache(maxsize=8192)
def open_classes(word: str) -> Tags:
    """The open classes a lowercase word can have: NOUN, ADJ, ADV, NAME and the verb forms
    VB (base), VBZ (-s), VBD (past), VBN (participle), VBG (-ing)."""
    tags: set[str] = set()
    lemmas: dict[str, tuple[str, ...]] = lemminflect.getAllLemmas(word)
    for upos, lemma in lemmas.items():
        if upos == "VERB":
            tags |= _verb_forms(word, lemma)
        elif upos in ("NOUN", "ADJ", "ADV"):
            tags.add(upos)
        elif upos == "PROPN":
            tags.add("NAME")
    if word in ADJECTIVE_NOUNS:
        tags.add("ADJ")
    # "amber notes", "sizing", "stitching"; product nouns the lexicon knows only as verbs
    # ("a leather tote", "a cast iron pan")
    if word in NOUN_ADJECTIVES | MISSING_NOUNS | PRODUCT_NOUNS or "VBG" in tags:
        tags.add("NOUN")
    return frozenset(tags) if tags else _guessed_classes(word)


def _guessed_classes(word: str) -> Tags:
    """Classes of a word outside the lexicon, from its spelling."""
    if "-" in word:  # a compound takes the classes of its last part ("cruelty-free")
        last = word.rsplit("-", 1)[1]
        return (open_classes(last) if last else frozenset()) or frozenset({"NOUN", "ADJ"})
    for suffix, tags in (("ly", {"ADV"}), ("ed", {"VBN", "ADJ"}), ("ing", {"VBG", "NOUN"})):
        if word.endswith(suffix):
            return frozenset(tags)
    if _ADJECTIVE_SUFFIX.search(word) and len(word) > 5:
        return frozenset({"ADJ", "NOUN"})
    return frozenset({"NOUN"})


@lru_cache(maxsize=4096)
def is_gradable(word: str) -> bool:
    """An adjective with a comparative ("simpler"): prototypically an adjective, never the
    head of a noun phrase in copy ("the simple" is not a phrase)."""
    lemmas = lemminflect.getAllLemmas(word).get("ADJ", ())
    return any("JJR" in lemminflect.getAllInflections(lemma, upos="ADJ") for lemma in lemmas)


@lru_cache(maxsize=4096)
def in_lexicon(word: str) -> bool:
    """Whether a lowercase word is an English word the lexicon knows (coined brand names
    such as "aurum" or "purrfect" are not)."""
    return bool(lemminflect.getAllLemmas(word))


def adjective_preferred(word: str) -> bool:
    """Whether a word that can be an adjective should be read as one when it stands last."""
    tags = open_classes(word)
    if "ADJ" not in tags:
        return False
    return (
        "NOUN" not in tags
        or is_gradable(word)
        or word in ADJECTIVE_NOUNS
        or bool(_ADJECTIVE_SUFFIX.search(word))
    )


def third_person(verb: str) -> str:
    """The -s form of a base verb ("keep" -> "keeps"); the word itself when unknown."""
    forms = lemminflect.getInflection(verb, tag="VBZ")
    return str(forms[0]) if forms else verb


def word_classes(text: str, *, sentence_start: bool) -> Tags:
    """Every class a token can have, closed classes first (they are complete)."""
    lower = text.lower()
    tags: set[str] = set()
    if any(ch.isdigit() for ch in text):
        return frozenset({"NUM", "NAME"} if any(ch.isalpha() for ch in text) else {"NUM"})
    if not _WORDISH.match(text):
        return frozenset({"PUNCT"})
    if CONTRACTIONS.match(lower):
        return frozenset({"PRON", "AUX"} if not lower.endswith("t") else {"AUX", "NEG"})
    for name, members in (
        ("DET", DETERMINERS | PREDETERMINERS),
        ("POSS", POSSESSIVES),
        ("PRON", PRONOUNS),
        ("PREP", PREPOSITIONS),
        ("CONJ", CONJUNCTIONS),
        ("SUB", SUBORDINATORS),
        ("AUX", AUXILIARIES),
        ("MODAL", MODALS),
    ):
        if lower in members:
            tags.add(name)
    if lower in ("not", "never"):
        tags.add("NEG")
    if lower in TIME_ADVERBS:
        tags.add("ADV")
    if not tags or lower in ("like", "plus", "can", "will", "fit", "well", "near", "past"):
        tags |= open_classes(lower)
    shouting = len(text) > 1 and text.isupper()
    if shouting or (text[:1].isupper() and not sentence_start) or text[1:] != text[1:].lower():
        tags.add("NAME")
    return frozenset(tags)
