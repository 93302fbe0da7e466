"""The LLM agents' pure parts: prompt builders, draft schemas and the completion of drafts
into plan artifacts that meet the plan rules (no model, no I/O)."""

from __future__ import annotations

import asyncio

import pytest
from openai.lib._pydantic import to_strict_json_schema

from aistudio.artifacts import Asset, Brief, JobKind, ProductAnalysis, ProductProfile, Violation
from aistudio.tools.planner import drafts, prompts
from aistudio.tools.planner.complete import (
    DraftRejected,
    complete_assembly,
    complete_audio,
    complete_concept,
    complete_shots,
    final_prompt,
    judge_checks,
    voice_slots,
)
from aistudio.tools.planner.house_rules import (
    GARMENT_FIDELITY_CLAUSE,
    PRODUCT_ONLY_CLAUSE,
    REFERENCE_FIDELITY_CLAUSE,
)
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.planner.rules import check_plan
from tests.fakes.openai import DEFAULT_ANSWERS

_ASSET = Asset(key="k", kind="normalized", mime="image/png", sha256="0" * 64, size_bytes=1)
ANALYSIS = ProductAnalysis(
    brand="AURUM",
    product_name="AURUM Eau de Parfum",
    visible_text=("AURUM", "EAU DE PARFUM", "FOR MEN"),
    audited=True,
)
PRODUCT = ProductProfile(
    normalized=_ASSET,
    cutout=_ASSET.model_copy(update={"kind": "cutout"}),
    width=100,
    height=100,
    bbox=(0, 0, 10, 10),
    palette=("#c89b3c", "#222222"),
    background="#ffffff",
    detected_text=("AURUM",),
    analysis=ANALYSIS,
)
TEXT = {
    "promo": "AURUM Eau de Parfum, amber and vanilla. Shop now",
    "fashion": "NORTHWIND storm jacket, taped seams, relaxed fit. Order today",
    "ugc": "GLOW SERUM with vitamin C. My skin looks brighter. Try it today",
}


def _brief(kind: JobKind, voice: bool = True) -> Brief:
    return Brief(kind=kind, text=TEXT[kind], voice_over=voice, duration_s=8.0)


def _draft(name: str, **changes: object) -> dict[str, object]:
    answer = DEFAULT_ANSWERS[name]
    assert isinstance(answer, dict)
    return {**answer, **changes}


@pytest.mark.parametrize("kind", ["promo", "fashion", "ugc"])
def test_prompts_carry_the_house_rules_of_their_kind(kind: JobKind) -> None:
    brief = _brief(kind)
    concept = asyncio.run(OfflinePlanner().concept(brief, PRODUCT))
    too_few = Violation(check="shot_count", stage="plan", value=2, detail="2 shots")
    visual = prompts.visual_prompt(brief, PRODUCT, concept, [too_few])
    assert REFERENCE_FIDELITY_CLAUSE in visual.system
    assert "label text verbatim, logo, shape, colours" in visual.system
    assert "EAU DE PARFUM" in visual.user  # the vision reading reaches the agents
    assert "shot_count: 2 shots" in visual.user and "failed QA" in visual.user
    rule = {
        "promo": "ZERO humans",
        "fashion": "Garment details must match the reference",
        "ugc": "hand-held",
    }[kind]
    assert rule in visual.system
    if kind == "fashion":
        assert GARMENT_FIDELITY_CLAUSE in visual.user
    if kind == "ugc":
        assert "first person" in visual.system and "finishes before the clip ends" in visual.system
    assert prompts.concept_prompt(brief, PRODUCT).user.count("failed QA") == 0


def test_audio_prompt_states_the_word_budgets_and_the_rate() -> None:
    brief = _brief("ugc")
    planner = OfflinePlanner()
    concept = asyncio.run(planner.concept(brief, PRODUCT))
    shots = asyncio.run(planner.visual(brief, PRODUCT, concept))
    slots = voice_slots(brief, shots, 30, 2.6, 0.3)
    prompt = prompts.audio_prompt(brief, concept, shots, slots, 2.6)
    assert "at most 2.6 words per second" in prompt.user
    for i, slot in enumerate(slots):
        assert (
            f"shot {i + 1}: {slot.start_s:.2f}-{slot.end_s:.2f}s, at most {slot.max_words}"
            in prompt.user
        )
    assert "first person" in prompt.user
    assert slots[-1].end_s <= brief.duration_s - 0.3


def test_judge_prompt_names_the_original_criteria() -> None:
    brief = _brief("promo")
    planner = OfflinePlanner()

    async def plan() -> prompts.Prompt:
        concept = await planner.concept(brief, PRODUCT)
        shots = await planner.visual(brief, PRODUCT, concept)
        audio = await planner.audio(brief, concept, shots)
        render = await planner.assembly(brief, PRODUCT, concept, shots, audio)
        return prompts.judge_prompt(brief, concept, shots, audio, render)

    user = asyncio.run(plan()).user
    for criterion in (
        "realism",
        "physical_plausibility",
        "narrative_completion",
        "intent",
        "reference_rules",
    ):
        assert criterion in user
    assert "0-100" in user and "70 or more passes" in user


def test_vision_and_audit_prompts() -> None:
    assert "OCR pass read: AURUM" in prompts.vision_prompt(("AURUM",))
    audit = prompts.audit_prompt(ANALYSIS)
    assert "AURUM | EAU DE PARFUM" in audit and "verbatim" in audit
    assert (
        "flagged by moderation (violence)"
        in prompts.sanitise_prompt("promo", ["a"], ["violence"]).user
    )
    assert "could not be used: boom" in prompts.reask_text("boom")


@pytest.mark.parametrize(
    "model",
    [
        drafts.ConceptDraft,
        drafts.ShotListDraft,
        drafts.VoiceScriptDraft,
        drafts.AssemblyDraft,
        drafts.PlanJudgeVerdict,
        drafts.ProductAnalysisDraft,
        drafts.ProductAnalysisAudit,
        drafts.TitleDraft,
        drafts.SanitisedPrompts,
    ],
)
def test_drafts_are_strict_structured_output_schemas(model: type[drafts.Draft]) -> None:
    schema = to_strict_json_schema(model)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])


def test_final_prompt_adds_each_clause_once_and_keeps_promo_label_text_person_free() -> None:
    once = final_prompt("promo", "Bottle on a plinth.", ANALYSIS)
    twice = final_prompt("promo", once, ANALYSIS)
    assert once.count(REFERENCE_FIDELITY_CLAUSE) == 1 and twice.count(PRODUCT_ONLY_CLAUSE) == 1
    assert '"AURUM", "EAU DE PARFUM"' in once and "FOR MEN" not in once
    assert "FOR MEN" in final_prompt("fashion", "Jacket.", ANALYSIS)
    assert final_prompt("fashion", "Jacket.", None).endswith(REFERENCE_FIDELITY_CLAUSE)
    assert GARMENT_FIDELITY_CLAUSE in final_prompt("fashion", "Jacket.", None)


@pytest.mark.parametrize("kind", ["promo", "fashion", "ugc"])
def test_completed_drafts_meet_every_plan_rule(kind: JobKind) -> None:
    brief = _brief(kind)
    planner = OfflinePlanner()

    async def run() -> None:
        base_concept = await planner.concept(brief, PRODUCT)
        concept = complete_concept(
            drafts.ConceptDraft.model_validate(_draft("ConceptDraft", tagline="x" * 50)),
            brief,
            base_concept,
        )
        assert len(concept.tagline) <= 32
        assert concept.humans_allowed == (kind != "promo")
        shots = complete_shots(
            drafts.ShotListDraft.model_validate(DEFAULT_ANSWERS["ShotListDraft"]),
            brief,
            PRODUCT,
            concept,
            30,
        )
        slots = voice_slots(brief, shots, 30, 2.6, 0.3)
        base_audio = await planner.audio(brief, concept, shots)
        audio = complete_audio(
            drafts.VoiceScriptDraft.model_validate(DEFAULT_ANSWERS["VoiceScriptDraft"]),
            brief,
            base_audio,
            slots,
        )
        base = await planner.assembly(brief, PRODUCT, concept, shots, audio)
        plan = complete_assembly(
            drafts.AssemblyDraft.model_validate(_draft("AssemblyDraft", transitions=["slideup"])),
            base,
            brief,
        )
        # The brief's own call to action survives the model's rewording ("Shop now").
        assert plan.end_card.call_to_action == TEXT[kind].rsplit(". ", 1)[1]
        assert plan.transitions[0].kind == "slideup"
        assert [t.duration_s for t in plan.transitions] == [t.duration_s for t in base.transitions]
        checks = check_plan(
            brief, concept, shots, audio, plan, max_words_per_second=2.6, voice_tail_s=0.3
        )
        assert all(c.passed for c in checks), [c.violation for c in checks if not c.passed]
        if kind == "ugc":
            assert {s.camera_move for s in shots.shots} == {"handheld"}

    asyncio.run(run())


def test_shot_drafts_that_break_unrepairable_rules_are_rejected() -> None:
    brief = _brief("promo")
    concept = asyncio.run(OfflinePlanner().concept(brief, PRODUCT))
    shots = DEFAULT_ANSWERS["ShotListDraft"]
    assert isinstance(shots, dict)
    too_few = drafts.ShotListDraft.model_validate({"shots": shots["shots"][:2]})
    with pytest.raises(DraftRejected, match="2 shots; a promo needs 3 to 5"):
        complete_shots(too_few, brief, PRODUCT, concept, 30)
    people = [dict(shots["shots"][0], description="A woman lifts the bottle to her neck.")]
    with pytest.raises(DraftRejected, match="shot 1: woman"):
        complete_shots(
            drafts.ShotListDraft.model_validate({"shots": people * 4}), brief, PRODUCT, concept, 30
        )
    seven = drafts.ShotListDraft.model_validate({"shots": shots["shots"] * 2})
    assert len(complete_shots(seven, brief, PRODUCT, concept, 30).shots) == 5


def test_voice_lines_over_budget_are_sent_back_or_cut_on_the_last_ask() -> None:
    brief = _brief("ugc")
    planner = OfflinePlanner()
    concept = asyncio.run(planner.concept(brief, PRODUCT))
    shots = asyncio.run(planner.visual(brief, PRODUCT, concept))
    slots = voice_slots(brief, shots, 30, 2.6, 0.3)
    base = asyncio.run(planner.audio(brief, concept, shots))
    long = drafts.VoiceScriptDraft.model_validate(
        {"lines": [{"shot_number": 1, "text": "I " + "really " * 20 + "love it"}]}
    )
    with pytest.raises(DraftRejected, match="over their word budget"):
        complete_audio(long, brief, base, slots)
    cut = complete_audio(long, brief, base, slots, strict=False)
    assert len(cut.script[0].text.split()) == slots[0].max_words
    third_person = drafts.VoiceScriptDraft.model_validate(
        {
            "lines": [
                {"shot_number": 1, "text": "It glows."},
                {"shot_number": 2, "text": "So bright."},
            ]
        }
    )
    with pytest.raises(DraftRejected, match="first person"):
        complete_audio(third_person, brief, base, slots)
    with pytest.raises(DraftRejected, match="no line"):
        complete_audio(
            drafts.VoiceScriptDraft.model_validate({"lines": [{"shot_number": 9, "text": "I"}]}),
            brief,
            base,
            slots,
        )


def test_judge_verdicts_become_checks_with_redo_targets() -> None:
    passed = judge_checks(drafts.PlanJudgeVerdict(score=86, summary="ok", violations=[]))
    assert [(c.name, c.passed, c.score) for c in passed] == [("plan.llm_judge", True, 0.86)]
    failed = judge_checks(
        drafts.PlanJudgeVerdict(
            score=40,
            summary="weak",
            violations=[
                drafts.JudgeViolation(
                    criterion="narrative_completion",
                    shot_number=0,
                    problem="no call to action",
                    fix_by="audio",
                ),
                drafts.JudgeViolation(
                    criterion="physical_plausibility",
                    shot_number=2,
                    problem="liquid flows upward",
                    fix_by="visual",
                ),
            ],
        )
    )
    assert [(c.passed, c.redo) for c in failed] == [(False, "audio"), (False, "visual")]
    assert failed[1].violation == "physical_plausibility (shot 2): liquid flows upward"
    assert (failed[1].check, failed[1].shot_index, failed[0].shot_index) == ("llm_judge", 1, None)
    silent = judge_checks(drafts.PlanJudgeVerdict(score=10, summary="off brief", violations=[]))
    assert silent[0].redo == "concept" and not silent[0].passed
