"""How the planning agents react to QA: which check makes them change what.

On a retry the agents get the violations of every failed QA pass so far (state `feedback`,
typed `Violation`s). `Retry.of(violations)` folds them into the few knobs the agents turn;
this module is the one place that says which check turns which knob.

To make the agents react to a new check: name it in `artifacts.CheckName`, then add it to
`REACTIONS` (an existing knob) or add a knob to `Retry` and read it where the agent plans.
A check not listed here is fixed by running its `redo` agent again on its own rules, and
an LLM agent reads every violation's detail in its prompt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aistudio.artifacts import CheckName, Violation

Knob = Literal[
    "slower_voice",  # audio: each report plans the voice 20 % slower
    "shorter_captions",  # visual, assembly: each report shortens captions by 6 characters
    "larger_captions",  # assembly: each QA pass that found a caption illegible enlarges type
    "larger_product",  # visual: steady moves; assembly: that shot's product 15 % larger
    "product_only",  # visual: nothing from the brief in a promo's shot prompts
    "whole_photo",  # visual: the whole photo, not its cut-out
    "more_variety",  # assembly: sizes spread further apart, the sets reshuffled
]

# Which knob each check turns.
REACTIONS: Mapping[CheckName, Knob] = {
    "voice_tail": "slower_voice",
    "words_per_second": "slower_voice",
    "line_fit": "slower_voice",
    "caption_length": "shorter_captions",
    "caption_legibility": "larger_captions",
    "fidelity": "larger_product",
    "no_humans": "product_only",
    "people": "product_only",
    "cutout_quality": "whole_photo",
    "shot_variety": "more_variety",
}

# Violations in words (an LLM judge's verdict, a person's note): the checks they speak of,
# recognised by these phrases (older checkpoints' feedback tokens included).
PHRASES: Mapping[CheckName, tuple[str, ...]] = {
    "voice_tail": (
        "voice ends too late",
        "voice too long",
        "voice-over too long",
        "voice-too-long",
    ),
    "words_per_second": ("words/s", "words per second", "too fast", "speaking rate"),
    "line_fit": ("line too long", "lines too long", "its slot", "line-too-long"),
    "caption_length": ("caption too long", "captions too long", "caption-too-long"),
    "caption_legibility": (
        "caption illegible",
        "captions illegible",
        "unreadable",
        "caption-illegible",
    ),
    "fidelity": (
        "product fidelity low",
        "fidelity low",
        "product not recognisable",
        "fidelity-low",
    ),
    "no_humans": ("human words", "people in a product-only", "faces in", "humans-in-promo"),
    "cutout_quality": ("torn cut-out", "cut-out torn", "use the whole photo", "cutout-poor"),
    "shot_variety": ("shots look alike", "same shot", "shots too similar", "repetitive"),
}
IN_WORDS: frozenset[CheckName] = frozenset({"llm_judge", "note", "user_revision"})


def as_violations(items: Iterable[Violation | str]) -> tuple[Violation, ...]:
    """Feedback as Violations; a checkpoint written before they existed holds text."""
    return tuple(
        i if isinstance(i, Violation) else Violation(check="note", detail=i) for i in items
    )


def checks_named(violation: Violation) -> tuple[CheckName, ...]:
    """The checks a violation is about: its own, or, in words, those its words speak of."""
    if violation.check not in IN_WORDS:
        return (violation.check,)
    text = violation.detail.lower()
    return tuple(check for check, phrases in PHRASES.items() if any(p in text for p in phrases))


def _pass_of(violation: Violation) -> tuple[str | None, int]:
    # Output QA checks every aspect ratio, so one pass can report the same shot or caption
    # once per aspect: a problem's repeats count by the QA pass that found it.
    return violation.stage, violation.attempt


def _index(index: int | None) -> int:
    return -1 if index is None else index  # -1: the report named no shot or caption


@dataclass(frozen=True)
class Retry:
    """What the agents change on a retry, from the violations of earlier QA passes.

    Counts grow with every report, so a problem that comes back is fixed harder."""

    slower_voice: int = 0  # reports of a voice too long or too fast
    shorter_captions: int = 0  # reports of captions too long
    larger_captions: int = 0  # QA passes that found the same caption illegible (the most)
    # shot index -> QA passes that found its product too small or unlike the reference;
    # -1: a report that named no shot, so every shot
    larger_product: Mapping[int, int] = field(default_factory=dict)
    product_only: bool = False  # people or human words in a product-only film
    whole_photo: bool = False  # the plan's cut-out was refused (torn, a person cut, UGC)
    more_variety: int = 0  # reports of shots that look alike

    @property
    def steady_camera(self) -> bool:
        """Moves that keep the whole product in frame, after any fidelity report."""
        return bool(self.larger_product)

    @classmethod
    def of(cls, feedback: Sequence[Violation]) -> Retry:
        reports: dict[Knob, int] = {}
        caption_passes: dict[int, set[tuple[str | None, int]]] = {}
        product_passes: dict[int, set[tuple[str | None, int]]] = {}
        for violation in feedback:
            # One violation turns each knob at most once, whatever it names.
            knobs = {REACTIONS[c] for c in checks_named(violation) if c in REACTIONS}
            for knob in knobs:
                reports[knob] = reports.get(knob, 0) + 1
            if "larger_captions" in knobs:
                caption = _index(violation.caption_index)
                caption_passes.setdefault(caption, set()).add(_pass_of(violation))
            if "larger_product" in knobs:
                shot = _index(violation.shot_index)
                product_passes.setdefault(shot, set()).add(_pass_of(violation))
        return cls(
            slower_voice=reports.get("slower_voice", 0),
            shorter_captions=reports.get("shorter_captions", 0),
            larger_captions=max(map(len, caption_passes.values()), default=0),
            larger_product={shot: len(passes) for shot, passes in product_passes.items()},
            product_only=reports.get("product_only", 0) > 0,
            whole_photo=reports.get("whole_photo", 0) > 0,
            more_variety=reports.get("more_variety", 0),
        )


def shot_notes(feedback: Sequence[Violation], shot_index: int) -> tuple[str, ...]:
    """What a person asked of one shot (shot revises), oldest first: the visual agent puts it
    into that shot's provider prompt, and nothing into any other shot's."""
    return tuple(
        v.detail
        for v in feedback
        if v.check == "user_revision" and v.shot_index == shot_index and v.detail
    )


def describe(violation: Violation) -> str:
    """One line for an LLM agent's prompt: the check, where, and what was wrong."""
    where = []
    if violation.shot_index is not None:
        where.append(f"shot {violation.shot_index + 1}")
    if violation.caption_index is not None:
        where.append(f"caption {violation.caption_index + 1}")
    if violation.aspect is not None:
        where.append(violation.aspect)
    place = f" ({', '.join(where)})" if where else ""
    return f"{violation.check}{place}: {violation.detail}"
