"""A person's revise instruction applied to a job's brief (pure, deterministic).

The instruction is read with the brief agent's plain-language edit grammar
(`aistudio.tools.chat.grammar`): "shorter", "20 seconds", "square", "for YouTube", "warmer",
"add a voice-over", "CTA: Shop the drop", "mention free shipping", "show the gold cap",
"no people". What the grammar understands changes the brief the planning agents read; the
whole instruction also goes to them as a typed `user_revision` Violation (an LLM agent reads
its words; the offline agents act on the phrases `feedback.py` knows and put a shot's
instruction into that shot's provider prompt).

A shot revise keeps the film as it is (its duration, formats, copy and voice): only the
instruction as feedback on that shot, so every other shot's plan, and its render, stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aistudio.artifacts import Brief, Revision, Violation
from aistudio.brief_draft import BriefDraft, apply_patch
from aistudio.tools.chat.grammar import parse_message

MAX_TEXT = 4000  # Brief.text's limit
# Edits that are not a revision of this job: another kind of video or another model is a
# new job (the job's kind and provider choice were fixed when it was submitted).
_NOT_REVISABLE = {"kind": "the kind of video", "video_model": "the video model"}
# Draft fields that live in the brief's text, as the sentence that says them (the form the
# brief agent's drafts use, `brief_draft.brief_text`).
_TEXT_FIELDS = {
    "product_facts": "It has {}.",
    "audience": "Made for {}.",
    "script_notes": "Mention {}.",
    "must_show": "Show {}.",
    "must_avoid": "Avoid {}.",
    "call_to_action": "{}.",
}


@dataclass(frozen=True)
class Revised:
    """The brief as revised, the feedback the agents get, and what was (not) applied."""

    brief: Brief
    violation: Violation
    changed: dict[str, Any]  # brief field (or text part) -> its new value
    not_understood: tuple[str, ...]


def draft_of(brief: Brief) -> BriefDraft:
    """The brief's settings as a draft the grammar can edit ("shorter" needs the duration)."""
    return BriefDraft(
        kind=brief.kind,
        duration_s=brief.duration_s,
        aspect_ratios=brief.aspect_ratios,
        voice_over=brief.voice_over,
        vibe=brief.vibe or "",
        max_cost_usd=brief.max_cost_usd,
    )


def _sentence(template: str, value: Any) -> str:
    items = value if isinstance(value, tuple) else (value,)
    text = "; ".join(str(i).strip().rstrip(".") for i in items if str(i).strip())
    return template.format(text) if text else ""


def revise_brief(brief: Brief, revision: Revision) -> Revised:
    """Apply `revision` to `brief`. A shot revision leaves the brief as it is."""
    violation = Violation(
        check="user_revision",
        shot_index=revision.shot_index,
        detail=revision.instruction,
        attempt=revision.round,
    )
    if revision.shot_index is not None:
        return Revised(brief, violation, {}, ())
    before = draft_of(brief)
    turn = parse_message(revision.instruction, before)
    patch = turn.brief_patch()
    not_understood = list(turn.not_understood)
    for name, words in _NOT_REVISABLE.items():
        if getattr(patch, name) is not None:
            setattr(patch, name, None)
            not_understood.append(f"changing {words} (submit a new job for that)")
    if patch.clear:
        not_understood.extend(f"clear {name.replace('_', ' ')}" for name in patch.clear)
        patch.clear = None
    result = apply_patch(before, patch)
    not_understood.extend(f"{field}: {reason}" for field, reason in result.errors.items())
    after = result.draft
    update: dict[str, Any] = {
        "duration_s": after.duration_s,
        "aspect_ratios": after.aspect_ratios,
        "voice_over": after.voice_over,
        "vibe": after.vibe or None,
        "max_cost_usd": after.max_cost_usd,
    }
    changed = {k: v for k, v in result.changed.items() if k in update}
    # Added list items only (the draft started with empty lists), then the scalars.
    # In the order the brief agent writes them, the call to action last.
    sentences = [
        _sentence(template, result.changed[name])
        for name, template in _TEXT_FIELDS.items()
        if name in result.changed
    ]
    text = " ".join([brief.text.rstrip(), *(s for s in sentences if s)])
    if len(text) > MAX_TEXT:
        not_understood.append(f"the brief would pass {MAX_TEXT} characters; text unchanged")
    elif sentences:
        update["text"] = text
        changed.update({k: v for k, v in result.changed.items() if k in _TEXT_FIELDS})
    revised = brief.model_copy(update=update)
    return Revised(
        Brief.model_validate(revised.model_dump()), violation, changed, tuple(not_understood)
    )
