"""Finishing LLM drafts into the typed artifacts with the offline planner's deterministic code
(pure: no I/O, unit-tested).

What the model can be trusted with (words, framings, moves, transition kinds) is taken;
what must add up (shot lengths, voice slots, caption windows, end card) comes from the same
timeline code the offline planner uses, so a completed plan meets `rules.check_plan` the same
way. A draft that breaks a rule code cannot repair raises `DraftRejected`; its message goes
back to the model in a re-ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Concept,
    EndCard,
    ProductAnalysis,
    ProductProfile,
    QACheck,
    RedoTarget,
    RenderPlan,
    Shot,
    ShotList,
    Transition,
    VoiceLine,
)
from aistudio.tools.planner import copy
from aistudio.tools.planner.brief_text import parse_brief
from aistudio.tools.planner.drafts import (
    AssemblyDraft,
    ConceptDraft,
    PlanJudgeVerdict,
    ProductAnalysisAudit,
    ProductAnalysisDraft,
    ShotListDraft,
    VoiceScriptDraft,
)
from aistudio.tools.planner.fit import end_card_fits
from aistudio.tools.planner.house_rules import (
    FIRST_PERSON_WORDS,
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    MAX_CAPTION_CHARS,
    PRODUCT_ONLY_CLAUSE,
    REFERENCE_FIDELITY_CLAUSE,
    RULES,
    plan_timeline,
)

JUDGE_PASS_SCORE = 70  # the original AI Studio judge's bar (0-100)
_PLANNED_RATE = 0.85  # as the offline planner: plan below the QA limit


class DraftRejected(ValueError):
    """A draft breaks a rule that code cannot repair; the message is the re-ask text."""


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def complete_concept(draft: ConceptDraft, brief: Brief, fallback: Concept) -> Concept:
    """The model's concept with the house rules the kind fixes (humans, default look)."""
    points = tuple(p for p in (_clean(x) for x in draft.selling_points) if p)[:5]
    name = _clean(draft.product_name) or fallback.product_name
    return Concept(
        title=copy.shorten(_clean(draft.title) or fallback.title, 60),
        logline=_clean(draft.logline) or fallback.logline,
        vibe=brief.vibe or _clean(draft.vibe) or fallback.vibe,
        grade=draft.grade,
        music_mood=draft.music_mood,
        tagline=copy.shorten(_clean(draft.tagline) or fallback.tagline, MAX_CAPTION_CHARS),
        call_to_action=brief_cta(brief) or _clean(draft.call_to_action) or fallback.call_to_action,
        product_name=name,
        selling_points=points or fallback.selling_points,
        humans_allowed=RULES[brief.kind].humans_allowed,  # a rule of the kind, not a choice
    )


def human_words(text: str, product_name: str) -> list[str]:
    """Words that put a person in frame (the product's own name is not a person)."""
    if product_name:
        text = re.sub(re.escape(product_name), " ", text, flags=re.IGNORECASE)
    return sorted({m.group(0).lower() for m in HUMAN_WORDS.finditer(text)})


def fidelity_suffix(analysis: ProductAnalysis | None, kind: str = "") -> str:
    """The product-specific half of the reference-fidelity clause: label text verbatim.
    A promo leaves out label text such as "FOR MEN": in a prompt it reads as a person."""
    if analysis is None:
        return ""
    texts = [t for t in analysis.visible_text if kind != "promo" or not human_words(t, "")]
    if not texts:
        return ""
    quoted = ", ".join(f'"{t}"' for t in texts[:4])
    return f" The label reads exactly {quoted}; keep the logo as in the reference."


def final_prompt(kind: str, prompt: str, analysis: ProductAnalysis | None) -> str:
    """The prompt with every clause its kind demands, each once, fidelity clause last."""
    text = _clean(prompt)
    for clause in (REFERENCE_FIDELITY_CLAUSE, GARMENT_FIDELITY_CLAUSE, PRODUCT_ONLY_CLAUSE):
        text = _clean(text.replace(clause, ""))
    clauses = {"promo": PRODUCT_ONLY_CLAUSE, "fashion": GARMENT_FIDELITY_CLAUSE}
    extra = f" {clauses[kind]}" if kind in clauses else ""
    suffix = fidelity_suffix(analysis, kind)
    lead = f"{text.rstrip('.')}. " if text else ""
    return f"{lead}{extra.strip()} {REFERENCE_FIDELITY_CLAUSE}{suffix}".replace("  ", " ").strip()


def complete_shots(
    draft: ShotListDraft, brief: Brief, product: ProductProfile, concept: Concept, fps: int
) -> ShotList:
    rules = RULES[brief.kind]
    low, high = rules.shot_range
    shots = draft.shots[:high]  # extra shots are cut; too few cannot be invented
    if len(shots) < low:
        raise DraftRejected(f"{len(draft.shots)} shots; a {brief.kind} needs {low} to {high}")
    if brief.kind == "promo":
        found = {
            i + 1: human_words(f"{s.description} {s.provider_prompt}", concept.product_name)
            for i, s in enumerate(shots)
        }
        found = {i: words for i, words in found.items() if words}
        if found:
            listed = "; ".join(f"shot {i}: {', '.join(w)}" for i, w in found.items())
            raise DraftRejected(
                f"a promo is product-only, but these shots bring people in "
                f"({listed}); describe the product alone"
            )
    timeline = plan_timeline(
        brief.kind, brief.duration_s, [max(s.duration_s, 0.1) for s in shots], fps
    )
    return ShotList(
        shots=tuple(
            Shot(
                index=i,
                duration_s=timeline.shot_s[i],
                framing=s.framing,
                camera_move="handheld" if brief.kind == "ugc" else s.camera_move,
                description=_clean(s.description) or f"Shot {i + 1} of {concept.product_name}.",
                provider_prompt=final_prompt(brief.kind, s.provider_prompt, product.analysis),
                caption=copy.shorten(s.caption, MAX_CAPTION_CHARS) if s.caption.strip() else "",
            )
            for i, s in enumerate(shots)
        )
    )


@dataclass(frozen=True)
class VoiceSlot:
    start_s: float
    end_s: float
    max_words: int


def voice_slots(
    brief: Brief, shots: ShotList, fps: int, max_wps: float, tail_s: float
) -> list[VoiceSlot]:
    """Where each shot's line may be spoken and how many words fit (the offline planner's
    arithmetic, so LLM and offline scripts are held to the same budget)."""
    timeline = plan_timeline(brief.kind, brief.duration_s, [s.duration_s for s in shots.shots], fps)
    count = len(shots.shots)
    rate = max_wps * _PLANNED_RATE
    starts = [timeline.settled(i)[0] + (0.3 if i == 0 else 0.12) for i in range(count)]
    ends = [starts[i + 1] - 0.12 for i in range(count - 1)] + [brief.duration_s - tail_s - 0.2]
    return [
        VoiceSlot(round(a, 3), round(b, 3), max(1, int(rate * (b - a) + 1e-9)))
        for a, b in zip(starts, ends, strict=True)
    ]


def complete_audio(
    draft: VoiceScriptDraft,
    brief: Brief,
    base: AudioPlan,
    slots: Sequence[VoiceSlot],
    *,
    strict: bool = True,
) -> AudioPlan:
    """The model's lines placed in the planned slots. A line over its word budget is sent
    back (`strict`) or, on the last ask, cut to the budget: a cut line reads worse than a
    rewritten one, but better than a voice that runs over the next shot."""
    by_shot: dict[int, str] = {}
    for line in draft.lines:
        text = _clean(line.text)
        if text and 1 <= line.shot_number <= len(slots) and line.shot_number not in by_shot:
            by_shot[line.shot_number] = text
    if not by_shot:
        raise DraftRejected(
            f"the script has no line for any shot (use shot numbers 1 to {len(slots)})"
        )
    long = [
        f"shot {n}: {copy.word_count(t)} words, budget {slots[n - 1].max_words}"
        for n, t in sorted(by_shot.items())
        if copy.word_count(t) > slots[n - 1].max_words
    ]
    if strict and long:
        raise DraftRejected(f"lines over their word budget ({'; '.join(long)}); shorten them")
    script = tuple(
        VoiceLine(
            shot_index=n - 1,
            text=copy.limit_words(by_shot[n], slots[n - 1].max_words),
            start_s=slots[n - 1].start_s,
            max_end_s=slots[n - 1].end_s,
        )
        for n in sorted(by_shot)
    )
    if brief.kind == "ugc":
        first = [bool(FIRST_PERSON_WORDS.search(line.text)) for line in script]
        if not first[0] or sum(first) * 2 < len(first):
            raise DraftRejected(
                "a UGC script is spoken by the creator: open in the first "
                "person (I, my) and keep to it in most lines"
            )
    return base.model_copy(update={"voice_enabled": True, "script": script})


def brief_cta(brief: Brief) -> str | None:
    """The brief's own call to action as the end card shows it (verbatim, with the brief's
    web address), or None when the brief states none: a model may not reword it."""
    parsed = parse_brief(brief.text, brief.kind)
    return parsed.call_to_action if parsed.cta_explicit else None


def complete_assembly(draft: AssemblyDraft, base: RenderPlan, brief: Brief) -> RenderPlan:
    """The offline plan (timeline, captions, backdrop) with the model's transitions and
    end-card copy; transition lengths stay the timeline's. The model's end-card text is
    taken only if the card shows it whole; the brief's own call to action is kept."""
    kinds = list(draft.transitions)[: len(base.transitions)]
    kinds += [t.kind for t in base.transitions[len(kinds) :]]
    transitions = tuple(
        Transition(kind=k, duration_s=t.duration_s)
        for k, t in zip(kinds, base.transitions, strict=True)
    )
    card, aspects = base.end_card, base.aspect_ratios
    headline = _clean(draft.end_card_headline)
    cta = brief_cta(brief) or _clean(draft.end_card_call_to_action)
    end_card = EndCard(
        headline=headline
        if headline and end_card_fits(headline, aspects, "headline")
        else card.headline,
        call_to_action=cta if cta and end_card_fits(cta, aspects, "cta") else card.call_to_action,
        duration_s=card.duration_s,
        backdrop=card.backdrop,
    )
    return base.model_copy(update={"transitions": transitions, "end_card": end_card})


def judge_checks(
    verdict: PlanJudgeVerdict, pass_score: int = JUDGE_PASS_SCORE
) -> tuple[QACheck, ...]:
    """The judge's verdict as QA checks: one passing check, or one failing check per named
    violation, each routed to the agent the judge says can fix it."""
    score = max(0, min(100, verdict.score)) / 100
    measured = f"judge score {verdict.score}/100"

    def judged(
        name: str,
        violation: str | None = None,
        redo: RedoTarget | None = None,
        shot_index: int | None = None,
    ) -> QACheck:
        return QACheck(
            name=name,
            check="llm_judge",
            score=score,
            passed=violation is None,
            measured=measured,
            value=verdict.score,
            violation=violation,
            redo=redo,
            shot_index=shot_index,
        )

    if verdict.score >= pass_score:
        return (judged("plan.llm_judge"),)
    if not verdict.violations:  # failed without saying why: the concept is the broadest fix
        return (judged("plan.llm_judge", _clean(verdict.summary), "concept"),)
    return tuple(
        judged(
            f"plan.llm_judge.{v.criterion}",
            f"{v.criterion}{f' (shot {v.shot_number})' if v.shot_number > 0 else ''}: "
            f"{_clean(v.problem)}",
            v.fix_by,
            v.shot_number - 1 if v.shot_number > 0 else None,
        )
        for v in verdict.violations
    )


def complete_analysis(draft: ProductAnalysisDraft, model: str) -> ProductAnalysis:
    audit = draft if isinstance(draft, ProductAnalysisAudit) else None
    texts = tuple(dict.fromkeys(t.strip() for t in draft.visible_text if t.strip()))
    return ProductAnalysis(
        brand=_clean(draft.brand),
        product_name=_clean(draft.product_name),
        category=_clean(draft.category),
        visible_text=texts,
        colours=tuple(_clean(c) for c in draft.colours if c.strip()),
        material=_clean(draft.material),
        shape=_clean(draft.shape),
        components=tuple(_clean(c) for c in draft.components if c.strip()),
        corrections=tuple(_clean(c) for c in audit.corrections if c.strip()) if audit else (),
        audited=audit is not None,
        model=model,
    )
