"""Prompt builders of the LLM agents (pure: strings in, strings out; unit-tested).

They carry the original AI Studio rules: promo = the product alone, zero humans; fashion =
garment-led, people allowed, garment details exact; UGC = hand-held, natural, first-person
script finished before the clip ends; every final shot prompt keeps the reference product
exactly (label text, logo, shape, colour). The house-rule constants come from
`house_rules.py`, the same ones plan QA checks against, so prompts and QA cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Concept,
    JobKind,
    ProductAnalysis,
    ProductProfile,
    RenderPlan,
    ShotList,
    Violation,
)
from aistudio.tools.planner.complete import JUDGE_PASS_SCORE, VoiceSlot
from aistudio.tools.planner.feedback import describe
from aistudio.tools.planner.house_rules import (
    GARMENT_FIDELITY_CLAUSE,
    MAX_CAPTION_CHARS,
    REFERENCE_FIDELITY_CLAUSE,
    RULES,
)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


KIND_RULES: dict[JobKind, str] = {
    "promo": (
        "PROMO: a product-only commercial. ZERO humans: no people, hands, fingers, faces, "
        "bodies, models, silhouettes or reflections of people in any shot, description or "
        "prompt. The product is the hero of every frame: light, material, label, silhouette."
    ),
    "fashion": (
        "FASHION: a garment-led film. People may wear and move in the garment, but the "
        "garment leads every shot. Garment details must match the reference exactly: colour, "
        "fabric, cut, logo and stitching."
    ),
    "ugc": (
        "UGC: a natural, realistic creator-style clip, filmed hand-held on a phone in a real "
        "everyday place with natural light, no studio polish. The creator speaks in the first "
        "person (I, my) and the spoken script finishes before the clip ends."
    ),
}
FIDELITY_RULE = (
    "Reference fidelity: the product must look exactly as in the reference photo: label "
    "text verbatim, logo, shape, colours and proportions. Every shot prompt ends with: "
    f'"{REFERENCE_FIDELITY_CLAUSE}"'
)
JUDGE_CRITERIA = (
    "realism: would each shot look like real footage of this product?",
    "physical_plausibility: no impossible physics, scale, liquids, reflections or camera moves",
    "narrative_completion: the film opens, shows the selling points and closes on the call "
    "to action; the voice-over finishes before the end",
    "intent: the plan does what the brief asks, for its kind and vibe",
    "reference_rules: the product stays exactly as in the reference (label text, logo, "
    "shape, colour); promo has zero humans; fashion keeps garment details; UGC is hand-held",
)


def _lines(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def system_prompt(agent: str, kind: JobKind) -> str:
    return (
        f"You are the {agent} agent of AI Studio, which turns a product brief and a reference "
        "product photo into a short marketing video. Answer only with the requested JSON.\n"
        f"{KIND_RULES[kind]}\n{FIDELITY_RULE}"
    )


def analysis_text(analysis: ProductAnalysis | None) -> str:
    if analysis is None:
        return ""
    parts = [
        ("brand", analysis.brand),
        ("product", analysis.product_name),
        ("category", analysis.category),
        ("text on the product (verbatim)", " | ".join(analysis.visible_text)),
        ("colours", ", ".join(analysis.colours)),
        ("material", analysis.material),
        ("shape", analysis.shape),
        ("components", ", ".join(analysis.components)),
    ]
    return "\n".join(f"{k}: {v}" for k, v in parts if v)


def product_facts(brief: Brief, product: ProductProfile) -> str:
    facts = [
        f"Kind: {brief.kind}",
        f"Brief: {brief.text}",
        f"Duration: {brief.duration_s:g} s; aspect ratios: {', '.join(brief.aspect_ratios)}",
        f"Vibe: {brief.vibe or RULES[brief.kind].vibe}",
        f"Voice-over: {'yes' if brief.voice_over else 'no'}",
        f"Product palette: {', '.join(product.palette[:4]) or 'unknown'}",
    ]
    if product.detected_text:
        facts.append(f"Text read off the photo: {' | '.join(product.detected_text[:8])}")
    analysis = analysis_text(product.analysis)
    if analysis:
        facts.append(f"Vision analysis of the reference photo:\n{analysis}")
    return "\n".join(facts)


def _asked(revision: Violation) -> str:
    where = "" if revision.shot_index is None else f"shot {revision.shot_index + 1}: "
    return f"{where}{revision.detail}"


def feedback_text(feedback: Sequence[Violation]) -> str:
    """QA's violations, and apart from them what a person asked for (a revise): the one is a
    failure to fix, the other a change to make."""
    failed = [v for v in feedback if v.check != "user_revision"]
    asked = [v for v in feedback if v.check == "user_revision"]
    text = ""
    if failed:
        text += (
            "\n\nThe previous plan failed QA. Fix exactly these problems and keep what was "
            f"fine:\n{_lines([describe(v) for v in failed])}"
        )
    if asked:
        text += (
            "\n\nThe person reviewing the plan asked for these changes, in their words (make "
            "them, and keep everything they did not ask to change; a shot named is that shot "
            f"alone):\n{_lines([_asked(v) for v in asked])}"
        )
    return text


def concept_prompt(
    brief: Brief, product: ProductProfile, feedback: Sequence[Violation] = ()
) -> Prompt:
    user = (
        f"{product_facts(brief, product)}\n\nWrite the creative concept: a title, a one-line "
        f"logline, the vibe, the colour grade and music mood that suit it, a tagline of at "
        f"most {MAX_CAPTION_CHARS} characters, the call to action (from the brief when it has "
        f'one, else e.g. "{RULES[brief.kind].default_cta}"), the product name exactly as '
        "printed, and 2-5 selling points taken from the brief (never invent claims)."
        f"{feedback_text(feedback)}"
    )
    return Prompt(system_prompt("Concept", brief.kind), user)


def concept_text(concept: Concept) -> str:
    return (
        f"Title: {concept.title}\nLogline: {concept.logline}\nProduct: "
        f"{concept.product_name}\nTagline: {concept.tagline}\nSelling points: "
        f"{'; '.join(concept.selling_points)}\nCall to action: {concept.call_to_action}\n"
        f"Vibe: {concept.vibe}; grade: {concept.grade}"
    )


def visual_prompt(
    brief: Brief, product: ProductProfile, concept: Concept, feedback: Sequence[Violation] = ()
) -> Prompt:
    rules = RULES[brief.kind]
    low, high = rules.shot_range
    moves = ", ".join(rules.moves)
    kind_rule = {
        "promo": "Describe only the product and the set; never a person or a body part.",
        "fashion": f'Every prompt also carries: "{GARMENT_FIDELITY_CLAUSE}"',
        "ugc": "Every shot is hand-held (camera_move handheld), phone-shot, natural light.",
    }[brief.kind]
    user = (
        f"{product_facts(brief, product)}\n\nConcept:\n{concept_text(concept)}\n\n"
        f"Plan {low} to {high} shots for a {brief.duration_s:g}-second film (an end card "
        f"follows them). Open {' or '.join(rules.opening_framings)}, then details, close "
        f"{' or '.join(rules.closing_framings)}. Camera moves: {moves}; never the same move "
        f"twice in a row. Captions: at most {MAX_CAPTION_CHARS} characters. {kind_rule} "
        f"Each provider_prompt is a self-contained image-to-video prompt ending with the "
        f"reference-fidelity clause.{feedback_text(feedback)}"
    )
    return Prompt(system_prompt("Visual", brief.kind), user)


def shots_text(shots: ShotList) -> str:
    return "\n".join(
        f"{s.index + 1}. {s.duration_s:.2f}s {s.framing}, {s.camera_move}: {s.description}"
        f"{f' Caption: {s.caption!r}' if s.caption else ''}"
        for s in shots.shots
    )


def audio_prompt(
    brief: Brief,
    concept: Concept,
    shots: ShotList,
    slots: Sequence[VoiceSlot],
    max_wps: float,
    feedback: Sequence[Violation] = (),
) -> Prompt:
    budgets = "\n".join(
        f"shot {i + 1}: {slot.start_s:.2f}-{slot.end_s:.2f}s, at most {slot.max_words} words"
        for i, slot in enumerate(slots)
    )
    person = (
        "Speak as the creator, in the first person (I, my), casual and honest."
        if brief.kind == "ugc"
        else "A warm, confident brand voice."
    )
    user = (
        f"Brief: {brief.text}\n\nConcept:\n{concept_text(concept)}\n\nShots:\n"
        f"{shots_text(shots)}\n\nWrite the voice-over, one line per shot, at most "
        f"{max_wps:g} words per second. Word budgets (hard limits):\n{budgets}\n{person} "
        "The last line carries the call to action and must finish before the film ends."
        f"{feedback_text(feedback)}"
    )
    return Prompt(system_prompt("Audio", brief.kind), user)


def assembly_prompt(
    brief: Brief,
    concept: Concept,
    shots: ShotList,
    base: RenderPlan,
    feedback: Sequence[Violation] = (),
) -> Prompt:
    rules = RULES[brief.kind]
    user = (
        f"Concept:\n{concept_text(concept)}\n\nShots:\n{shots_text(shots)}\n\n"
        f"Choose {len(base.transitions)} transitions, one per shot (the last leads into the "
        f"end card); this kind usually uses {', '.join(dict.fromkeys(rules.transitions))}. "
        "Write the end card: a headline of at most 28 characters (usually the product name) "
        f"and the call to action of at most 40 characters.{feedback_text(feedback)}"
    )
    return Prompt(system_prompt("Assembly", brief.kind), user)


def judge_prompt(
    brief: Brief, concept: Concept, shots: ShotList, audio: AudioPlan, plan: RenderPlan
) -> Prompt:
    script = (
        "\n".join(
            f"{line.start_s:.2f}-{line.max_end_s:.2f}s (shot {line.shot_index + 1}): {line.text}"
            for line in audio.script
        )
        or "(no voice-over)"
    )
    prompts = "\n".join(f"{s.index + 1}. {s.provider_prompt}" for s in shots.shots)
    user = (
        f"Brief ({brief.kind}, {brief.duration_s:g}s): {brief.text}\n\nConcept:\n"
        f"{concept_text(concept)}\n\nShots:\n{shots_text(shots)}\n\nShot prompts:\n{prompts}"
        f"\n\nVoice-over:\n{script}\n\nEnd card: {plan.end_card.headline} / "
        f"{plan.end_card.call_to_action}\n\nJudge this plan before anything is rendered. Score "
        f"it 0-100 against these criteria:\n{_lines(JUDGE_CRITERIA)}\nA plan scoring "
        f"{JUDGE_PASS_SCORE} or more passes. Name every violation with its criterion, the "
        "shot (0 for the whole film), the problem, and the agent that can fix it (concept, "
        "visual, audio or assembly). No violations when the plan is sound."
    )
    return Prompt(system_prompt("plan-QA judge", brief.kind), user)


VISION_SYSTEM = (
    "You are the product analyst of AI Studio. You look at a reference product photo and "
    "report only what is visible. Copy text verbatim, letter for letter, including case; "
    "never guess text you cannot read. Answer only with the requested JSON."
)


def vision_prompt(detected_text: Sequence[str]) -> str:
    ocr = f" An OCR pass read: {' | '.join(detected_text[:10])}." if detected_text else ""
    return (
        "Analyse this product photo: brand, product name, category, every visible text "
        "verbatim, main colours, material, shape and visible components." + ocr
    )


def audit_prompt(first: ProductAnalysis) -> str:
    return (
        "Here is a first analysis of this same photo:\n"
        f"{analysis_text(first) or '(empty)'}\n\nCheck it against the image, field by field. "
        "Correct anything that is wrong or not visible (especially text: verbatim only) and "
        "add what was missed. List each correction; an empty list if it was right."
    )


def title_prompt(brief: Brief, concept: Concept) -> Prompt:
    return Prompt(
        system_prompt("Title", brief.kind),
        f"Brief: {brief.text}\n\nConcept:\n{concept_text(concept)}\n\nGive the finished "
        "video a short, specific title (at most 60 characters, no quotes).",
    )


def sanitise_prompt(kind: JobKind, prompts: Sequence[str], categories: Sequence[str]) -> Prompt:
    numbered = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(prompts))
    return Prompt(
        system_prompt("Safety editor", kind),
        f"These shot prompts were flagged by moderation ({', '.join(categories) or 'unsafe'})"
        f":\n{numbered}\n\nRewrite each so it is safe for all audiences while keeping the "
        "product, shot and fidelity clause. Return the same number of prompts, in order.",
    )


def reask_text(error: str) -> str:
    """The follow-up after an answer that could not be used."""
    return (
        f"Your previous answer could not be used: {error[:1200]}\nAnswer again with JSON "
        "that matches the schema exactly and fixes this."
    )
