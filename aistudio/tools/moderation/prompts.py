"""Moderating a plan's final shot prompts: flagged prompts are sanitised once, then blocked.

The caller (a graph node) raises `ModerationBlocked` when the returned verdict is not
allowed; this module only decides what to check and when to ask for a rewrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from aistudio.artifacts import JobKind, ModerationVerdict
from aistudio.tools.protocols import Moderator


@runtime_checkable
class Sanitiser(Protocol):
    async def sanitise(
        self, prompts_in: Sequence[str], *, kind: JobKind = "promo", categories: Sequence[str] = ()
    ) -> tuple[str, ...]: ...


async def moderate_prompts(
    moderator: Moderator,
    prompts: Sequence[str],
    *,
    kind: JobKind,
    sanitiser: Sanitiser | None = None,
) -> tuple[tuple[str, ...], ModerationVerdict]:
    """(prompts to use, verdict). A flagged set is rewritten once by `sanitiser` and checked
    again; the second verdict is final (no loop: a model that keeps writing flagged prompts
    must not keep a paid job alive)."""
    original = tuple(prompts)
    # One text, one request: the prompts are short and judged together as one film.
    verdict = await moderator.check_text("\n".join(original), subject="prompts")
    if verdict.allowed or sanitiser is None:
        return original, verdict
    cleaned = await sanitiser.sanitise(original, kind=kind, categories=verdict.categories)
    second = await moderator.check_text("\n".join(cleaned), subject="prompts")
    if second.allowed:
        note = f"sanitised after {', '.join(verdict.categories) or 'a flag'}"
        second = second.model_copy(
            update={"reason": "; ".join(r for r in (second.reason, note) if r)}
        )
    return cleaned, second
