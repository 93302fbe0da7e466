"""Typed artifacts that flow between agents and steps (never JSON strings, never bytes).

Media lives in storage; artifacts hold storage keys and checksums. The offline planner and
the LLM agents return exactly these models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JobKind = Literal["promo", "fashion", "ugc"]
AspectRatio = Literal["9:16", "1:1", "16:9"]
Framing = Literal["wide", "medium", "close", "macro"]
CameraMove = Literal[
    "push_in", "pull_out", "pan_left", "pan_right", "parallax", "handheld", "orbit"
]
# Only transitions that xfade computes cheaply: dissolve, smoothleft and circleopen measured
# 2-4x the CPU of a fade per transition frame on 1080x1920, and x264 already saturates the cores.
TransitionKind = Literal["fade", "fadeblack", "slideleft", "slideup"]
Grade = Literal["luxurious", "stylish", "natural", "bold", "fresh"]
# How the local renderer shows the product: its cut-out on a studio set, or the whole photo
# (a card over a blurred fill, or full-bleed) when a cut-out would tear it.
Layout = Literal["cutout", "full_photo"]
# The studio set behind a cut-out, varied shot to shot (tools/render/backdrop.py).
BackdropStyle = Literal["sweep", "spotlight", "duotone", "texture"]
MaskMethod = Literal["alpha", "grabcut", "full", "remover"]
MusicMood = Literal["luxurious", "stylish", "upbeat", "calm", "warm"]
AssetKind = Literal[
    "reference",
    "normalized",
    "cutout",
    "mask",
    "keyframe",
    "caption_overlay",
    "end_card",
    "voice",
    "music",
    "audio_master",
    "video",
    "poster",
    "storyboard",
    "captions_srt",
    "captions_vtt",
    "plan",
    "qa",
    "provenance",
    "clip",
]
# Nodes a QA report may send the run back to, cheapest first.
RedoTarget = Literal["concept", "visual", "audio", "assembly", "render", "compose"]
QAStage = Literal["plan", "output"]
# Every QA check by its stable name (QACheck.check, Violation.check). The planning agents act
# on these names, never on a violation's wording: what each check makes them change is said
# in one place, aistudio.tools.planner.feedback. A new check: its name here, its QACheck in
# the rules (plan QA: tools/planner/rules.py; output QA: nodes/output_checks.py), and, when
# an agent should react to it in a particular way, its line in feedback.REACTIONS.
CheckName = Literal[
    # plan QA, before anything is paid for
    "shot_count",
    "fidelity_clause",
    "no_humans",
    "humans_flag",
    "garment_clause",
    "handheld",
    "voice_script",
    "words_per_second",
    "line_fit",
    "voice_tail",  # also output QA: the voice as synthesised
    "first_person",
    "timing",
    "caption_length",
    "caption_timing",
    "aspect_ratios",
    "copy_quality",  # every line reads right; the brief's call to action verbatim
    "caption_fit",  # every text shown whole at its planned size
    "brand_match",  # a warning: the label's brand is the brief's
    "cutout_quality",  # the plan shows a cut-out that would tear (score from ingest)
    "shot_variety",  # output QA: the shots' frames look too much alike
    "llm_judge",  # the LLM judge's verdict, in words
    # output QA, measured on the finished videos
    "duration",
    "frame_size",
    "fps",
    "streams",
    "black",
    "freeze",
    "silence",
    "loudness",
    "fidelity",
    "caption_legibility",
    "sharpness",
    "people",
    "output_moderation",
    # words from a person (or an older checkpoint's text): the agents read what they say
    "note",
    # a person's instruction on a plan or a finished shot (a revise): read like a note, and
    # the brief edits it names are applied to the brief before the agents plan again
    "user_revision",
]

ASPECT_SIZES: dict[AspectRatio, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "16:9": (1920, 1080),
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Asset(Frozen):
    """A stored file: content-addressed key + checksum + media facts."""

    key: str
    kind: AssetKind
    mime: str
    sha256: str
    size_bytes: int
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None


class Brief(Frozen):
    """What the user asked for."""

    kind: JobKind
    text: str = Field(min_length=3, max_length=4000)
    voice_over: bool = False
    aspect_ratios: tuple[AspectRatio, ...] = ("9:16",)
    duration_s: float = Field(default=12.0, ge=6.0, le=60.0)
    seed: int = 0
    vibe: str | None = None
    max_cost_usd: float | None = Field(default=None, ge=0)  # None: the settings' default
    # Pause before the first (paid) render until someone approves the plan.
    approve_plan: bool = False
    # Catalog ids the request chose (None: the settings' failover lists decide).
    video_model: str | None = None
    image_model: str | None = None

    @property
    def models(self) -> ModelChoice:
        return ModelChoice(video=self.video_model, image=self.image_model)


class ModelChoice(Frozen):
    """Hosted models a job asked for by catalog id; None = the configured failover list."""

    video: str | None = None
    image: str | None = None


class ProductAnalysis(Frozen):
    """What a vision model read off the reference photo (verbatim text, brand, build), after a
    second pass audited it against the image. Absent on the embedded default."""

    brand: str = ""
    product_name: str = ""
    category: str = ""
    visible_text: tuple[str, ...] = ()  # verbatim, as printed on the product
    colours: tuple[str, ...] = ()
    material: str = ""
    shape: str = ""
    components: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()  # what the audit pass changed
    audited: bool = False
    model: str = ""


class CutoutQuality(Frozen):
    """How clean the product's cut-out is, from measurable properties of its mask.

    Each part is a raw measurement (see aistudio/tools/vision/cutout_quality.py); `score`
    (0..1) combines them, and `passed` compares it with QASettings.min_cutout_quality."""

    score: float
    passed: bool
    method: MaskMethod  # the mask that was scored
    raggedness: float = 0.0  # share of the boundary length that smoothing removes
    fragments: float = 0.0  # share of the mask's area in crumbs (small detached pieces)
    holes: int = 0  # enclosed background regions of some size
    edge_contact: float = 0.0  # share of the boundary running along the frame edge
    separation: float | None = None  # colour difference across the boundary (None: no photo)
    backdrop_detail: float | None = None  # share of the photo's edges left outside the cut
    people: int = 0  # people (faces) in the photo
    people_cut: int = 0  # of them, cut by the mask boundary (at the face or the neck)
    person_boxes: tuple[tuple[int, int, int, int], ...] = ()  # x, y, w, h in the photo
    reasons: tuple[str, ...] = ()  # what pulled the score down, in words


class ProductProfile(Frozen):
    """What ingest learned about the reference product photo."""

    normalized: Asset  # RGB PNG, EXIF-oriented, downscaled to the working size
    cutout: Asset  # RGBA PNG cropped to the product, alpha = foreground mask
    width: int
    height: int
    bbox: tuple[int, int, int, int]  # x, y, w, h of the product in the normalized image
    palette: tuple[str, ...]  # dominant product colours, "#rrggbb", most frequent first
    background: str  # estimated backdrop colour of the original photo
    detected_text: tuple[str, ...] = ()
    mask_method: MaskMethod = "grabcut"
    mask_coverage: float = 0.0  # fraction of the frame the product covers
    notes: tuple[str, ...] = ()
    # Last and optional, so checkpoints written before it existed still load.
    analysis: ProductAnalysis | None = None
    cutout_quality: CutoutQuality | None = None
    layout: Layout = "cutout"  # what the cut-out score alone allows (kinds may ask for more)
    # x, y, w, h in the normalized photo: where the product has the most detail (keypoint
    # density: macro shots frame it), and the label's text lines OCR found (detail shots
    # travel along them), longest first.
    detail_box: tuple[int, int, int, int] | None = None
    text_boxes: tuple[tuple[int, int, int, int], ...] = ()


class Concept(Frozen):
    title: str
    logline: str
    vibe: str
    grade: Grade
    tagline: str
    call_to_action: str
    product_name: str
    selling_points: tuple[str, ...] = ()
    music_mood: MusicMood = "luxurious"
    humans_allowed: bool = False


class Shot(Frozen):
    index: int
    duration_s: float = Field(gt=0)
    framing: Framing
    camera_move: CameraMove
    description: str
    provider_prompt: str
    caption: str = ""


class ShotList(Frozen):
    shots: tuple[Shot, ...]
    layout: Layout | None = None  # the Visual agent's choice; None: decided at assembly

    @property
    def total_s(self) -> float:
        return sum(s.duration_s for s in self.shots)


class VoiceLine(Frozen):
    shot_index: int
    text: str
    start_s: float
    max_end_s: float  # the line must be spoken by then


class AudioPlan(Frozen):
    script: tuple[VoiceLine, ...] = ()
    voice_enabled: bool = False
    music_mood: MusicMood = "luxurious"
    music_bpm: int = 90
    duck_db: float = -10.0
    target_lufs: float = -14.0

    @property
    def words(self) -> int:
        return sum(len(line.text.split()) for line in self.script)


class Caption(Frozen):
    start_s: float
    end_s: float
    text: str


class Transition(Frozen):
    kind: TransitionKind
    duration_s: float = Field(ge=0.0, le=1.5)


class ShotRender(Frozen):
    """What the renderer must produce for one shot (all aspect ratios)."""

    shot_index: int
    duration_s: float
    camera_move: CameraMove
    framing: Framing
    product_scale: float = Field(gt=0.05, le=1.0)  # product height / frame height
    product_offset: tuple[float, float] = (0.0, 0.0)  # (dx, dy) in fractions of the frame
    backdrop: tuple[str, str]  # gradient colours, top -> bottom
    light_angle_deg: float = 35.0
    prompt: str = ""  # for hosted models; the local renderer ignores it
    seed: int = 0
    # Last and defaulted, so plans checkpointed before them still load.
    backdrop_style: BackdropStyle = "sweep"
    # x, y, w, h in the normalized photo the shot frames (a macro's detail, a label line);
    # None: the whole product.
    focus: tuple[int, int, int, int] | None = None
    # Keyframe width / the usual width: > 1 makes a pan travel further (along a label line).
    travel: float = Field(default=1.0, ge=1.0, le=2.5)
    light_sweep: bool = False  # a soft band of light crosses the frame during the shot


class EndCard(Frozen):
    headline: str
    call_to_action: str
    duration_s: float = 2.0
    backdrop: tuple[str, str] = ("#101010", "#000000")


class RenderPlan(Frozen):
    shots: tuple[ShotRender, ...]
    transitions: tuple[Transition, ...]  # len(shots) - 1 + 1 (last one leads into the end card)
    captions: tuple[Caption, ...]
    end_card: EndCard
    aspect_ratios: tuple[AspectRatio, ...]
    grade: Grade
    fps: int = 30
    duration_s: float = 12.0
    caption_scale: float = 1.0  # QA may enlarge captions on a retry
    seed: int = 0
    kind: JobKind = "promo"  # hosted providers pick their model list by it
    layout: Layout = "cutout"  # last and defaulted: plans checkpointed before it still load
    hook: Caption | None = None  # the opening hook card over the first seconds


class Violation(Frozen):
    """A failed QA check as the planning agents get it on a retry: typed fields to act on,
    not prose to parse. Violations accumulate over a job's QA passes (state `feedback`)."""

    check: CheckName
    stage: QAStage | None = None  # None: not from a QA pass (a person's note)
    attempt: int = 0  # the QA pass that found it: repeats of a problem count by pass
    shot_index: int | None = None  # 0-based; None: the whole film
    caption_index: int | None = None
    aspect: AspectRatio | None = None  # None: every aspect ratio
    value: float | None = None  # the measured value (words/s, inliers, OCR similarity ...)
    detail: str = ""  # the human sentence (for an LLM agent's prompt, logs, the API)
    redo: RedoTarget | None = None


MAX_INSTRUCTION = 500  # a revise instruction: a sentence or two, not a new brief


class Revision(Frozen):
    """A person's instruction on a job's plan (while it awaits approval) or on one shot of a
    finished job (a child job re-makes that shot). The job's graph applies it in its
    `revise` node: brief edits in plain language, and a `user_revision` Violation that the
    planning agents read as feedback."""

    instruction: str = Field(min_length=1, max_length=MAX_INSTRUCTION)
    round: int = Field(ge=1)  # the job's n-th revision (a child continues its parent's count)
    shot_index: int | None = None  # 0-based; None: the whole film


class QACheck(Frozen):
    name: str  # display name, unique in a report ("plan.line_fit", "fidelity.shot2")
    score: float  # 0..1, higher is better
    passed: bool
    measured: str = ""  # the raw figure, human readable ("-14.2 LUFS", "38 inliers")
    violation: str | None = None
    redo: RedoTarget | None = None
    aspect: AspectRatio | None = None
    shot_index: int | None = None  # a per-shot check: a "render" redo remakes this shot alone
    # A warning is reported to the user but never fails a report or routes a redo (e.g. the
    # photo's label names another brand than the brief: a person must judge that).
    severity: Literal["error", "warning"] = "error"
    # Optional, so checkpoints written before they existed still load.
    check: CheckName | None = None  # what was checked (None: an older checkpoint's)
    value: float | None = None  # the measured value as a number
    caption_index: int | None = None

    @property
    def blocking(self) -> bool:
        """Whether this check fails its report."""
        return not self.passed and self.severity == "error"


class QAReport(Frozen):
    stage: QAStage
    checks: tuple[QACheck, ...]
    attempt: int = 0

    @property
    def passed(self) -> bool:
        return not any(c.blocking for c in self.checks)

    @property
    def violations(self) -> tuple[str, ...]:
        """The failures that must be fixed, in words (the API's and the logs' view);
        warnings are not among them."""
        return tuple(c.violation for c in self.checks if c.violation and c.severity == "error")

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the user should see but no agent can fix."""
        return tuple(c.violation for c in self.checks if c.violation and c.severity == "warning")

    @property
    def feedback(self) -> tuple[Violation, ...]:
        """The failures as the agents get them on a retry (warnings are not among them)."""
        return tuple(
            Violation(
                check=c.check or "note",
                stage=self.stage,
                attempt=self.attempt,
                shot_index=c.shot_index,
                caption_index=c.caption_index,
                aspect=c.aspect,
                value=c.value,
                detail=c.violation or c.measured,
                redo=c.redo,
            )
            for c in self.checks
            if c.blocking
        )

    @property
    def redo(self) -> RedoTarget | None:
        """The earliest node that can fix every failing check (earlier nodes redo later ones)."""
        order: tuple[RedoTarget, ...] = (
            "concept",
            "visual",
            "audio",
            "assembly",
            "render",
            "compose",
        )
        targets = [c.redo for c in self.checks if c.blocking and c.redo]
        return min(targets, key=order.index) if targets else None


class ProviderJob(Frozen):
    """One unit of (possibly paid) provider work, checkpointed before it is awaited."""

    provider: str
    model: str
    request_id: str
    shot_index: int
    status: Literal["submitted", "completed", "failed", "cancelled"] = "submitted"
    cost_usd: float = 0.0
    error: str | None = None
    notes: tuple[str, ...] = ()  # e.g. why earlier models in the failover list were skipped
    # Last and optional, so checkpoints written before they existed still load.
    kind: Literal["video", "image", "cutout"] = "video"  # what the model makes
    first_frame: FirstFrame | None = None  # a hosted shot: where its first frame came from

    @property
    def paid(self) -> tuple[ProviderJob, ...]:
        """This request and the scene requests made for its first frame: what it cost."""
        scenes = self.first_frame.scenes if self.first_frame else ()
        return (*scenes, self)


class FirstFrame(Frozen):
    """Where a hosted shot's first frame came from: a scene an image model made from the
    photo and the shot's prompt (it passed product fidelity before any video model was
    paid), or the local compositor's keyframe (no image model, or both scenes lost the
    product, or the image provider failed)."""

    source: Literal["scene", "keyframe"]
    scenes: tuple[ProviderJob, ...] = ()  # the image-model requests made, in order (paid)
    fidelity_inliers: tuple[int, ...] = ()  # each scene's product-fidelity inliers, same order
    min_inliers: int = 0  # the pass mark they were held to
    reason: str = ""  # why the keyframe was used


class ModerationVerdict(Frozen):
    allowed: bool
    subject: str  # "brief", "reference", "frames"
    categories: tuple[str, ...] = ()
    scores: dict[str, float] = Field(default_factory=dict)
    tool: str = ""
    reason: str = ""


class ShotVisual(Frozen):
    """Rendered material for one shot in one aspect: a still to animate or a finished clip."""

    shot_index: int
    aspect: AspectRatio
    asset: Asset
    is_still: bool = True


class VoiceTrack(Frozen):
    """The voice-over as it was actually synthesised and placed on the timeline."""

    voice_id: str
    lines: tuple[Caption, ...]  # actual spoken intervals after synthesis and fitting
    line_assets: tuple[Asset, ...] = ()  # one WAV per line, in order
    overflow: tuple[str, ...] = ()  # lines that could not fit their slot even sped up

    @property
    def ends_at(self) -> float:
        return max((c.end_s for c in self.lines), default=0.0)


class Output(Frozen):
    aspect: AspectRatio
    video: Asset
    poster: Asset
