"""What the LLM agents are asked to fill in: small, strict-JSON-schema-friendly "drafts".

The typed artifacts (aistudio/artifacts.py) carry frame-exact timings, transitions, backdrop
colours and other figures an LLM cannot be trusted to add up. So an agent asks the model
for the creative part only and `complete.py` finishes it with the offline planner's code.

The models follow OpenAI's strict structured-output subset: no defaults, no free-form
dicts, no tuples of fixed length, no string length keywords (limits are enforced in code
and stated in descriptions). The class name is the schema name on the wire.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aistudio.artifacts import CameraMove, Framing, Grade, MusicMood, TransitionKind

JudgeCriterion = Literal[
    "realism", "physical_plausibility", "narrative_completion", "intent", "reference_rules"
]
FixAgent = Literal["concept", "visual", "audio", "assembly"]


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConceptDraft(Draft):
    title: str = Field(description="3 to 6 words")
    logline: str = Field(description="one sentence")
    vibe: str
    grade: Grade
    music_mood: MusicMood
    tagline: str = Field(description="at most 32 characters")
    call_to_action: str = Field(description="at most 40 characters")
    product_name: str = Field(description="as printed on the product")
    selling_points: list[str] = Field(description="2 to 5 short phrases from the brief")


class ShotDraft(Draft):
    framing: Framing
    camera_move: CameraMove
    duration_s: float = Field(description="seconds; relative lengths are rescaled to fit")
    description: str = Field(description="what the viewer sees, one sentence")
    provider_prompt: str = Field(description="the image-to-video prompt for this shot")
    caption: str = Field(description="on-screen text, at most 32 characters, may be empty")


class ShotListDraft(Draft):
    shots: list[ShotDraft]


class VoiceLineDraft(Draft):
    shot_number: int = Field(description="1-based shot the line is spoken over")
    text: str


class VoiceScriptDraft(Draft):
    lines: list[VoiceLineDraft]


class AssemblyDraft(Draft):
    transitions: list[TransitionKind] = Field(
        description="one per shot: into the next shot, the last one into the end card"
    )
    end_card_headline: str = Field(description="at most 28 characters")
    end_card_call_to_action: str = Field(description="at most 40 characters")


class JudgeViolation(Draft):
    criterion: JudgeCriterion
    shot_number: int = Field(description="1-based shot, 0 for the whole film")
    problem: str
    fix_by: FixAgent


class PlanJudgeVerdict(Draft):
    score: int = Field(ge=0, le=100)
    summary: str
    violations: list[JudgeViolation]


class ProductAnalysisDraft(Draft):
    brand: str = Field(description="empty when no brand is visible")
    product_name: str
    category: str
    visible_text: list[str] = Field(description="every legible text, verbatim, as printed")
    colours: list[str] = Field(description="main colours, most prominent first")
    material: str
    shape: str
    components: list[str] = Field(description="visible parts: cap, pump, strap, zip ...")


class ProductAnalysisAudit(ProductAnalysisDraft):
    corrections: list[str] = Field(description="what was wrong in the first analysis")


class TitleDraft(Draft):
    title: str = Field(description="at most 60 characters")


class SanitisedPrompts(Draft):
    prompts: list[str] = Field(description="the same number of prompts, in the same order")
