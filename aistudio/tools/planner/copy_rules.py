"""The grammar rules of `copy_quality`: what is certainly wrong in a line of copy (pure).

Each rule reads closed word classes and lexicon classes only (`grammar.tokens`), so each
flags a construction English does not have: "the your", a determiner with no noun ("the
simple.", "the perfect for the holidays"), a clause where a noun phrase belongs ("using
I'm"), a line ending on "at", a name whose capital was lost ("the cafe au Lait"). They apply
to LLM-written copy too. `name_problems` says what is wrong with a product name.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from aistudio.tools.planner.grammar import (
    ARTICLES,
    MODIFIER_CLASSES,
    NP_PREPOSITIONS,
    VERBISH,
    Token,
    can_head,
    classify,
    sentences,
    tokens,
)
from aistudio.tools.planner.lexicon import (
    DANGLING_END,
    DISCOURSE_MARKERS,
    FUNCTION_WORDS,
    POSSESSIVES,
    adjective_preferred,
    is_gradable,
)

_A_EXCEPTIONS = re.compile(r"^(?:one|once|eu|ew|uni|use|usu|ut|ur(?!ban)|uk)", re.IGNORECASE)
_AN_EXCEPTIONS = re.compile(r"^(?:hour|honest|honou?r|heir|herb)", re.IGNORECASE)


def _article_problem(a: Token, b: Token) -> str | None:
    word = b.text
    if not b.is_word or "NUM" in b.tags or word.isupper() or not word[:1].isalpha():
        return None
    vowel = word[:1].lower() in "aeio"
    if a.lower == "a" and vowel and not _A_EXCEPTIONS.match(word):
        return f"'a {word}' should be 'an {word}'"
    consonant = word[:1].lower() not in "aeiou"
    if a.lower == "an" and consonant and not _AN_EXCEPTIONS.match(word):
        return f"'an {word}' should be 'a {word}'"
    return None


# Adverbs that modify a whole phrase, never a noun: "the just fruit" is no phrase.
FOCUS_ADVERBS = frozenset(
    {"just", "simply", "also", "even", "actually", "basically", "literally", "honestly"}
)
_NAME_POSSESSIVE = re.compile(r"[a-z]['’]s$")


def _pair_problems(words: Sequence[Token]) -> list[str]:
    """Rules on two neighbouring words."""
    found: list[str] = []
    for a, b in itertools.pairwise(words):
        pair = f"'{a.text} {b.text}'"
        if a.lower in ARTICLES | POSSESSIVES and b.has("DET", "POSS") and b.lower != "own":
            found.append(f"two determiners {pair}")
        elif (
            a.lower in ARTICLES | POSSESSIVES
            and b.tags <= {"VB", "VBZ", "NAME"}
            and (
                "NAME" not in b.tags or b.text[:1].islower()  # "the Kindle" is a name
            )
        ):
            found.append(f"a verb after a determiner {pair}")
        elif a.lower in ARTICLES | POSSESSIVES and b.lower in FOCUS_ADVERBS:
            found.append(f"an adverb after a determiner {pair}")  # "the just fruit"
        elif a.lower in ARTICLES and b.text[:1].isupper() and _NAME_POSSESSIVE.search(b.text):
            found.append(f"an article before a name's possessive {pair}")  # "the Grandma's"
        elif a.lower in ("i", "we", "they", "he", "she") and b.has("DET", "POSS"):
            if b.lower not in ("that", "all", "both"):
                found.append(f"a determiner after a subject {pair}")
        elif a.lower == b.lower and a.text.isalpha() and a.lower not in ("very", "so", "had"):
            found.append(f"a repeated word {pair}")
        problem = _article_problem(a, b) if a.lower in ("a", "an") else None
        if problem:
            found.append(problem)
    return found


def _headless(words: Sequence[Token], k: int) -> bool:
    """Whether the article at words[k] has no noun: only adjectives follow it to the end
    ("the simple."), or a bare participle and then another phrase ("the roasted this")."""
    rest = words[k + 1 :]
    run: list[Token] = []
    for nxt in rest:
        if nxt.lower in FUNCTION_WORDS or not nxt.has(*MODIFIER_CLASSES):
            break
        run.append(nxt)
    participle_then_phrase = (
        len(run) == 1
        and run[0].tags <= {"VBD", "VBN"}
        and len(rest) > 1
        and rest[1].has("DET", "POSS", "PRON")
    )
    no_head = bool(run) and not any(
        t.has("NAME", "NUM")
        or (t.has("NOUN") and not is_gradable(t.lower) and not adjective_preferred(t.lower))
        or (j > 0 and can_head(t, run[j - 1].has("ADJ", "VBN")))
        for j, t in enumerate(run)
    )
    # "the perfect for the holidays": an adjective phrase where the noun phrase belongs
    then_phrase = 0 < len(run) < len(rest) and rest[len(run)].lower in NP_PREPOSITIONS
    # A superlative heads a phrase of its own: "the best of the season"
    then_phrase = then_phrase and not re.search(r"(?:best|worst|most|least|est)$", run[-1].lower)
    return participle_then_phrase or (no_head and (len(run) == len(rest) or then_phrase))


# A contracted auxiliary needs what follows it: "I am." ends a sentence, "I'm." does not.
_CONTRACTED_AUX = re.compile(r"[a-z]['’](?:m|s|re|ve|ll|d)$")


def _dangles(word: Token) -> bool:
    contracted = "AUX" in word.tags and bool(_CONTRACTED_AUX.search(word.lower))
    return word.lower in DANGLING_END or contracted


# Words after which a noun phrase, not a clause, must follow ("using I'm").
_TAKES_NP = frozenset({"using", "introducing", "meet", "tried", "try", "trying", "love", "with"})
_NAME_LINKS = frozenset({"au", "de", "du", "la", "le"})


def _clause_for_np(sent: Sequence[Token]) -> list[str]:
    """A subject and its contracted verb ("I'm", "it's") where a noun phrase belongs:
    after an article, a possessive or a verb that takes an object."""
    found = []
    for prev, tok in itertools.pairwise(sent):
        if not (tok.has("PRON") and tok.has("AUX")) or not prev.is_word:
            continue
        if prev.lower in ARTICLES | POSSESSIVES | _TAKES_NP:
            found.append(f"a clause where a noun phrase belongs ('{prev.text} {tok.text}')")
    return found


def _lost_capital(words: Sequence[Token]) -> list[str]:
    """A name written with its first capital lost: "the cafe au Lait" of "Cafe au Lait"."""
    return [
        f"a name without its capital ('{a.text} {b.text} {c.text}')"
        for a, b, c in zip(words, words[1:], words[2:], strict=False)
        if a.text.islower() and b.lower in _NAME_LINKS and c.text[:1].isupper()
    ]


def _sentence_problems(sent: Sequence[Token]) -> list[str]:
    words = [t for t in sent if t.is_word]
    found_early = _clause_for_np(sent) + _lost_capital(words)
    found = [f"ends on '{words[-1].text}'"] if words and _dangles(words[-1]) else []
    found += _pair_problems(words)
    found += [
        f"a determiner without a noun ('{tok.text} {words[k + 1].text}')"
        for k, tok in enumerate(words)
        if tok.lower in ARTICLES and "NAME" not in tok.tags and _headless(words, k)
    ]
    if len(words) > 1 and words[0].lower in DISCOURSE_MARKERS and sent[1].text == ",":
        rest = words[1:]
        if rest[0].lower in POSSESSIVES and not any(t.has(*VERBISH) for t in rest):
            found.append("a fragment with no verb after '" + words[0].text + ",'")
    for that, it, after in zip(words, words[1:], words[2:], strict=False):
        pair = (that.lower, it.lower) == ("that", "it")
        if pair and after.has("DET", "POSS") and not after.has(*VERBISH):
            found.append(f"no verb after 'that it' ('it {after.text}')")
    return found_early + found


def problems(line: str) -> list[str]:
    """What is certainly wrong in one line of copy (empty when nothing is)."""
    toks = tokens(line)
    if not any(t.is_word for t in toks):
        return ["no words"]
    found: list[str] = []
    if line.count("(") != line.count(")") or line.count('"') % 2:
        found.append("unbalanced brackets or quotes")
    for sent in sentences(toks):
        found += _sentence_problems(sent)
    return found


# A size, spec or code stands beside a product's name, never as it: "A3", "S-XXL", "18V".
_SIZE_OR_CODE = re.compile(
    r"^(?:[A-Z]\d{1,2}|X{0,3}[SML]|\d*XL|[SML]-X*[SML]|[\d.,x×/-]+\w{0,3}|SPF ?\d*)$"
)


def name_problems(name: str) -> list[str]:
    """What is wrong with a product name: it must be one noun phrase ("The cement mixer",
    "AURUM Eau de Parfum"), not an adjective ("The soft"), a clause or pronoun ("I'm"), a
    size ("A3") or two sentences ("Whiskerly. Grain")."""
    found = problems(name)
    if re.search(r"(?<!\bNo)[.!?]\s+\S", name):
        found.append(f"the name {name!r} runs across a sentence end")
    elif _SIZE_OR_CODE.match(name.strip()):
        found.append(f"the name {name!r} is a size or code")
    elif name.rsplit(maxsplit=1)[-1].lower() in ("one", "ones", "it", "this", "that"):
        found.append(f"the name {name!r} ends on a pro-form, not a noun")
    # Read mid-sentence, where a capital marks a name ("the Kindle Paperwhite")
    elif classify(name if name.startswith("The ") else f"the {name}") != "np":
        found.append(f"the name {name!r} is no noun phrase")
    return found
