"""The brief a conversation builds up, the typed patch that edits it, and what the brief
agent's tools hand back (plan previews, job tickets).

A `BriefDraft` is richer than the job's `Brief`: it keeps the product facts, audience,
script notes, call to action and must-show / must-avoid lists as separate fields, so an
edit changes exactly one of them. `to_brief()` turns it into the `Brief` a job runs on.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aistudio.artifacts import AspectRatio, Asset, Brief, JobKind

MAX_LIST = 12  # per list field: a brief, not a document
MAX_ITEM = 200

ListField = Literal["product_facts", "script_notes", "must_show", "must_avoid"]
LIST_FIELDS: tuple[ListField, ...] = ("product_facts", "script_notes", "must_show", "must_avoid")


class BriefDraft(BaseModel):
    """What the user has asked for so far. Every field has a default, so a conversation
    starts from an empty draft and a render needs only a photo."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: JobKind = "promo"
    product_name: str = Field(default="", max_length=120)
    product_facts: tuple[str, ...] = Field(default=(), max_length=MAX_LIST)
    product_summary: str = Field(default="", max_length=1000)  # what analyze_reference saw
    audience: str = Field(default="", max_length=120)
    vibe: str = Field(default="", max_length=60)
    duration_s: float = Field(default=12.0, ge=6.0, le=60.0)
    aspect_ratios: tuple[AspectRatio, ...] = Field(default=("9:16",), min_length=1, max_length=3)
    voice_over: bool = False
    script_notes: tuple[str, ...] = Field(default=(), max_length=MAX_LIST)
    call_to_action: str = Field(default="", max_length=80)
    must_show: tuple[str, ...] = Field(default=(), max_length=MAX_LIST)
    must_avoid: tuple[str, ...] = Field(default=(), max_length=MAX_LIST)
    reference: Asset | None = None  # the stored product photo
    max_cost_usd: float | None = Field(default=None, ge=0, le=1_000_000)
    video_model: str = Field(default="", max_length=80)  # a catalog id; "" = the default order

    def fingerprint(self) -> str:
        """Identifies the brief's content: a preview is still current while it matches."""
        body = self.model_dump_json(exclude={"product_summary"})
        return hashlib.sha256(body.encode()).hexdigest()[:16]


class BriefPatch(BaseModel):
    """An edit of the draft: every field optional, absent = unchanged.

    Scalar fields replace the value ("" clears a text field). The lists grow with the
    `add_*` fields and are emptied by naming them in `clear`. Ranges are checked when
    the patch is applied, field by field, so one bad value does not lose the others.
    """

    model_config = ConfigDict(extra="forbid")

    kind: JobKind | None = None
    product_name: str | None = None
    audience: str | None = None
    vibe: str | None = None
    duration_s: float | None = Field(default=None, description="Seconds, 6 to 60.")
    aspect_ratios: list[AspectRatio] | None = Field(
        default=None, description="Replaces the list: 9:16 vertical, 1:1 square, 16:9 wide."
    )
    voice_over: bool | None = None
    call_to_action: str | None = None
    max_cost_usd: float | None = Field(default=None, description="Budget cap in USD.")
    video_model: str | None = None
    add_product_facts: list[str] | None = None
    add_script_notes: list[str] | None = Field(
        default=None, description="Things the voice-over or captions should say."
    )
    add_must_show: list[str] | None = None
    add_must_avoid: list[str] | None = None
    clear: list[ListField] | None = Field(default=None, description="Lists to empty first.")


class PatchResult(BaseModel):
    draft: BriefDraft
    changed: dict[str, Any]  # field -> its new value
    errors: dict[str, str]  # field -> why it was refused


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return str(error["msg"])


def _clean_items(items: list[str]) -> list[str]:
    return [" ".join(item.split())[:MAX_ITEM] for item in items if item and item.strip()]


def apply_patch(draft: BriefDraft, patch: BriefPatch) -> PatchResult:
    """The draft with every valid field of `patch` applied; each refused field is named
    with the reason (the tool hands that back to the model, which can ask again)."""
    current = draft.model_dump()
    changed: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def attempt(field: str, value: Any) -> None:
        trial = {**current, field: value}
        try:
            checked = BriefDraft.model_validate(trial)
        except ValidationError as exc:
            errors[field] = _first_error(exc)
            return
        new = getattr(checked, field)
        if new != getattr(BriefDraft.model_validate(current), field):
            changed[field] = new
        current[field] = new

    for cleared in patch.clear or ():
        attempt(cleared, ())
    scalars: dict[str, Any] = patch.model_dump(exclude_none=True, exclude={"clear"})
    for field, value in scalars.items():
        if field.startswith("add_"):
            target = field.removeprefix("add_")
            existing = list(current[target])
            additions = [
                i for i in _clean_items(value) if i.lower() not in map(str.lower, existing)
            ]
            if additions:
                attempt(target, (*existing, *additions))
        elif field == "aspect_ratios":
            attempt(field, tuple(dict.fromkeys(value)))
        elif isinstance(value, str):
            attempt(field, " ".join(value.split()))
        else:
            attempt(field, value)
    final = BriefDraft.model_validate(current)
    return PatchResult(draft=final, changed=changed, errors=errors)


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return f"{text}." if text else ""


def brief_text(draft: BriefDraft) -> str:
    """The draft as the free-text brief the planning agents read: the product first (a
    heading the brief parser takes as the name), then each field in its own sentence."""
    name = draft.product_name or "Our product"
    facts = ", ".join(draft.product_facts) or draft.product_summary
    parts = [f"{name}: {facts}" if facts else _sentence(name)]
    if draft.audience:
        parts.append(_sentence(f"Made for {draft.audience}"))
    if draft.script_notes:
        parts.append(_sentence("Mention " + "; ".join(draft.script_notes)))
    if draft.must_show:
        parts.append(_sentence("Show " + "; ".join(draft.must_show)))
    if draft.must_avoid:
        parts.append(_sentence("Avoid " + "; ".join(draft.must_avoid)))
    if draft.call_to_action:
        parts.append(_sentence(draft.call_to_action))
    return " ".join(p for p in parts if p)[:4000]


def to_brief(draft: BriefDraft, *, seed: int = 0) -> Brief:
    """The job's brief. Raises ValidationError only for a draft whose text is too short,
    which `brief_text` never makes (the product name falls back to "Our product")."""
    return Brief(
        kind=draft.kind,
        text=brief_text(draft),
        voice_over=draft.voice_over,
        aspect_ratios=draft.aspect_ratios,
        duration_s=draft.duration_s,
        seed=seed,
        vibe=draft.vibe or None,
        max_cost_usd=draft.max_cost_usd,
    )


class PlannedShot(BaseModel):
    index: int
    duration_s: float
    framing: str
    camera_move: str
    description: str
    caption: str


class CostLine(BaseModel):
    shot_index: int
    model: str
    price_usd: float | None  # None: the catalog has no price for the model


class PlanPreview(BaseModel):
    """What `preview_plan` made: the plan a render of this brief would follow, its
    storyboard and its price. Nothing was rendered or paid for."""

    model_config = ConfigDict(frozen=True)

    brief_fingerprint: str
    title: str
    tagline: str
    call_to_action: str
    shots: tuple[PlannedShot, ...]
    voice_over: tuple[str, ...]
    plan_passed: bool
    violations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # for the user to judge (a label naming another brand)
    costs: tuple[CostLine, ...]
    storyboard: Asset | None = None
    storyboard_url: str | None = None  # a signed link, when a server published it

    @property
    def total_usd(self) -> float:
        return round(sum(line.price_usd or 0.0 for line in self.costs), 4)

    @property
    def complete_price(self) -> bool:
        return all(line.price_usd is not None for line in self.costs)


class JobTicket(BaseModel):
    """A job made from a conversation, as the brief agent reports it."""

    job_id: str
    status: str
    stage: str | None = None
    progress: int = 0
    error: str | None = None
    video_url: str | None = None
