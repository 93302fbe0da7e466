"""The LLM agents through the real langchain-openai / openai SDKs against a loopback OpenAI
(tests/fakes/openai.py): typed artifacts, the json_schema on the wire, re-asks, the offline
fallback, provider faults and errors, the vision reading and the plan judge."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Concept,
    JobKind,
    ProductProfile,
    QAReport,
    RenderPlan,
    ShotList,
)
from aistudio.errors import ProviderError
from aistudio.settings import LLMSettings, Settings
from aistudio.tools.planner.house_rules import REFERENCE_FIDELITY_CLAUSE
from aistudio.tools.planner.llm import LLMPlanner
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.toolbox import build_toolbox
from aistudio.tools.vision.analysis import AnalysingIngestor
from tests.conftest import sample
from tests.fakes.asgi import FaultPlan, serving
from tests.fakes.openai import FakeOpenAI
from tests.unit.test_llm_prompts import PRODUCT, TEXT

AGENT_SCHEMAS = [
    "ConceptDraft",
    "ShotListDraft",
    "VoiceScriptDraft",
    "AssemblyDraft",
    "PlanJudgeVerdict",
]


def _settings(
    fake: FakeOpenAI, llm: dict[str, object], data_dir: Path | None = None, key: str = "sk-test"
) -> Settings:
    options: dict[str, object] = {
        "base_url": f"{fake.base_url}/v1",
        "timeout_s": 2.0,
        "max_retries": 2,
        **llm,
    }
    return Settings(
        data_dir=data_dir or Path(".aistudio"),
        openai_api_key=SecretStr(key),
        llm=LLMSettings.model_validate(options),
    )


def _planner(fake: FakeOpenAI, key: str = "sk-test", **llm: object) -> LLMPlanner:
    return LLMPlanner(_settings(fake, llm, key=key), OfflinePlanner())


@dataclasses.dataclass
class Plan:
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan
    report: QAReport


async def _run_agents(planner: LLMPlanner, brief: Brief, product: ProductProfile = PRODUCT) -> Plan:
    concept = await planner.concept(brief, product)
    shots = await planner.visual(brief, product, concept)
    audio = await planner.audio(brief, concept, shots)
    plan = await planner.assembly(brief, product, concept, shots, audio)
    report = await planner.review(brief, concept, shots, audio, plan, attempt=0)
    return Plan(concept, shots, audio, plan, report)


def _brief(kind: JobKind = "promo") -> Brief:
    return Brief(kind=kind, text=TEXT[kind], voice_over=True, duration_s=8.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    service = FakeOpenAI()
    async with serving(service):
        yield service


@pytest.mark.parametrize("kind", ["promo", "fashion", "ugc"])
async def test_each_agent_returns_its_typed_artifact_with_the_schema_on_the_wire(
    fake: FakeOpenAI,
    kind: JobKind,
) -> None:
    planner = _planner(fake, agent_models={"qa": "gpt-judge"})
    result = await _run_agents(planner, _brief(kind))
    assert isinstance(result.concept, Concept) and result.concept.title == "AURUM: golden hour"
    assert isinstance(result.shots, ShotList) and len(result.shots.shots) == 4
    assert isinstance(result.audio, AudioPlan) and result.audio.script[0].text == "I love this."
    assert isinstance(result.plan, RenderPlan) and result.plan.end_card.headline == "AURUM"
    assert result.report.passed, result.report.violations
    assert result.report.checks[-1].name == "plan.llm_judge"
    assert all(REFERENCE_FIDELITY_CLAUSE in s.provider_prompt for s in result.shots.shots)
    assert fake.schema_names() == AGENT_SCHEMAS  # one structured-output request per agent
    for body in fake.chat_bodies():
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
        assert body["messages"][0]["role"] == "system" and body["stream"] is False
    models = {b["response_format"]["json_schema"]["name"]: b["model"] for b in fake.chat_bodies()}
    assert models["PlanJudgeVerdict"] == "gpt-judge" and models["ConceptDraft"] == "gpt-4o-mini"
    assert all(r.path == "/v1/chat/completions" for r in fake.requests)  # never /responses


async def test_invalid_output_is_reasked_with_the_error_then_used(fake: FakeOpenAI) -> None:
    fake.script("ConceptDraft", "invalid", "refusal")
    fake.script("ShotListDraft", "malformed", "length")
    planner = _planner(fake, max_reasks=2)
    concept = await planner.concept(_brief(), PRODUCT)
    shots = await planner.visual(_brief(), PRODUCT, concept)
    assert concept.title == "AURUM: golden hour" and len(shots.shots) == 4
    asks = fake.chat_bodies("ConceptDraft")
    assert len(asks) == 3
    reask = asks[1]["messages"][-1]["content"]
    assert "could not be used" in reask and "Field required" in reask
    assert "refused" in asks[2]["messages"][-1]["content"]
    assert "length limit" in fake.chat_bodies("ShotListDraft")[2]["messages"][-1]["content"]


async def test_a_rule_the_code_cannot_repair_is_reasked(fake: FakeOpenAI) -> None:
    shots = fake.answers["ShotListDraft"]
    assert isinstance(shots, dict)
    with_people = {
        "shots": [dict(s, description="A woman holds the bottle.") for s in shots["shots"]]
    }
    fake.script("ShotListDraft", with_people)
    planner = _planner(fake)
    concept = await planner.concept(_brief(), PRODUCT)
    result = await planner.visual(_brief(), PRODUCT, concept)
    assert "woman" not in " ".join(s.description for s in result.shots)
    assert "bring people in" in fake.chat_bodies("ShotListDraft")[1]["messages"][-1]["content"]


async def test_falls_back_to_offline_after_the_last_reask(
    fake: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.script("ShotListDraft", "invalid", "invalid", "invalid")
    fake.script("PlanJudgeVerdict", "malformed", "malformed", "malformed")
    planner = _planner(fake, max_reasks=2)
    brief = _brief()
    with caplog.at_level(logging.WARNING, "aistudio.planner.llm"):
        result = await _run_agents(planner, brief)
    offline = await OfflinePlanner().visual(brief, PRODUCT, result.concept)
    assert result.shots == offline
    assert len(fake.chat_bodies("ShotListDraft")) == 3
    assert "visual: offline fallback after" in caplog.text
    assert "qa: offline fallback after" in caplog.text
    judge = result.report.checks[-1]
    assert result.report.passed and judge.measured.startswith("not judged, rules only")


async def test_a_failing_judge_sends_the_plan_back_to_the_agent_it_names(
    fake: FakeOpenAI,
) -> None:
    fake.script(
        "PlanJudgeVerdict",
        {
            "score": 42,
            "summary": "The story stops short.",
            "violations": [
                {
                    "criterion": "narrative_completion",
                    "shot_number": 0,
                    "fix_by": "audio",
                    "problem": "the voice-over never names the offer",
                }
            ],
        },
    )
    result = await _run_agents(_planner(fake), _brief())
    report = result.report
    assert not report.passed and report.redo == "audio"
    assert report.violations == ("narrative_completion: the voice-over never names the offer",)
    # the retry hands the violation to the agent, which passes it to the model
    await _planner(fake).audio(_brief(), result.concept, result.shots, report.feedback)
    assert (
        "never names the offer"
        in fake.chat_bodies("VoiceScriptDraft")[-1]["messages"][-1]["content"]
    )


async def test_thirty_percent_faults_still_complete() -> None:
    faults = FaultPlan(
        rate=0.3, kinds=("429", "500", "502-nginx", "503", "hang"), seed=11, hang_s=1.2
    )
    fake = FakeOpenAI(faults=faults)
    async with serving(fake):
        planner = _planner(fake, timeout_s=0.8, max_retries=4)
        for kind in ("promo", "ugc"):
            result = await _run_agents(planner, _brief(kind))
            assert result.report.passed
    assert len(fake.faults_injected) >= 3
    assert {f for _, f in fake.faults_injected} >= {"429", "hang"}


async def test_a_permanent_401_fails_at_once_with_a_clear_provider_error(
    fake: FakeOpenAI,
) -> None:
    planner = _planner(fake, key="sk-wrong")
    with pytest.raises(ProviderError) as caught:
        await planner.concept(_brief(), PRODUCT)
    error = caught.value
    assert (error.status, error.retryable, error.provider) == (401, False, "openai")
    assert "Incorrect API key provided" in error.message
    assert fake.count("chat") == 1  # neither the SDK nor a re-ask tried again


async def test_rate_limits_past_the_sdk_retries_are_a_retryable_provider_error() -> None:
    fake = FakeOpenAI(faults=FaultPlan(scripted={"chat": ["429"] * 3}))
    async with serving(fake):
        with pytest.raises(ProviderError) as caught:
            await _planner(fake, max_retries=2).concept(_brief(), PRODUCT)
    assert (caught.value.status, caught.value.retryable) == (429, True)
    assert caught.value.retry_after_s == pytest.approx(0.01)
    assert fake.count("chat") == 3


async def test_vision_reads_and_audits_the_stored_photo(fake: FakeOpenAI, tmp_path: Path) -> None:
    tools = build_toolbox(_settings(fake, {"moderation": "local"}, tmp_path))
    data = await asyncio.to_thread(sample("aurum-perfume.png").read_bytes)
    profile = await tools.ingestor.ingest(data)
    analysis = profile.analysis
    assert analysis is not None and analysis.audited
    assert analysis.visible_text == ("AURUM", "EAU DE PARFUM")
    assert analysis.corrections == ("the cap is gold",)
    assert fake.schema_names() == ["ProductAnalysisDraft", "ProductAnalysisAudit"]
    for body in fake.chat_bodies():
        parts = body["messages"][-1]["content"]
        image = next(p for p in parts if p["type"] == "image_url")["image_url"]["url"]
        assert image.startswith("data:image/png;base64,iVBOR")
    assert "AURUM" in fake.chat_bodies()[0]["messages"][-1]["content"][0]["text"]  # OCR hint
    # provider trouble leaves the profile without a reading; a refused key fails at once
    plain = profile.model_copy(update={"analysis": None})

    class Ingested:
        async def ingest(self, data: bytes, *, source_name: str = "") -> ProductProfile:
            return plain

    fake.faults.scripted["chat"] = ["500"] * 3
    degraded = await AnalysingIngestor(Ingested(), _planner(fake), tools.storage).ingest(data)
    assert degraded.analysis is None and "vision analysis skipped" in degraded.notes[-1]
    with pytest.raises(ProviderError, match="Incorrect API key"):
        await AnalysingIngestor(Ingested(), _planner(fake, key="sk-bad"), tools.storage).ingest(
            data
        )
    # the reading flows into the shot prompts as the verbatim label text
    shots = await tools.planner.visual(
        _brief(), profile, await tools.planner.concept(_brief(), profile)
    )
    assert '"AURUM", "EAU DE PARFUM"' in shots.shots[0].provider_prompt


async def test_vision_failure_leaves_the_profile_without_analysis(
    fake: FakeOpenAI,
    tmp_path: Path,
) -> None:
    fake.script("ProductAnalysisDraft", "refusal", "refusal", "refusal")
    planner = _planner(fake)
    data = await asyncio.to_thread(sample("aurum-perfume.png").read_bytes)
    assert await planner.analyse_product(PRODUCT, data) is None
    fake.script("ProductAnalysisAudit", "invalid", "invalid", "invalid")
    first = await planner.analyse_product(PRODUCT, data)
    assert first is not None and not first.audited


async def test_title_and_sanitise(fake: FakeOpenAI) -> None:
    planner = _planner(fake)
    concept = await planner.concept(_brief(), PRODUCT)
    assert await planner.title(_brief(), concept) == "AURUM, in golden light"
    fake.answers["SanitisedPrompts"] = {"prompts": ["Calm bottle on a plinth."]}
    cleaned = await planner.sanitise(
        ["Bottle in a bloody fight."], kind="promo", categories=["violence"]
    )
    assert cleaned[0].startswith("Calm bottle on a plinth.")
    assert cleaned[0].endswith(REFERENCE_FIDELITY_CLAUSE)
    fake.answers["SanitisedPrompts"] = {"prompts": []}
    assert await planner.sanitise(["keep"], kind="promo") == ("keep",)  # unusable: unchanged


async def test_the_fake_answers_function_calling_with_a_tool_call(fake: FakeOpenAI) -> None:
    from langchain_openai import ChatOpenAI

    from aistudio.tools.planner.drafts import TitleDraft

    model = ChatOpenAI(
        model="gpt-4o-mini",
        base_url=f"{fake.base_url}/v1",
        api_key=SecretStr("sk-test"),
        timeout=2,
        max_retries=0,
        use_responses_api=False,
    )
    runnable = model.with_structured_output(TitleDraft, method="function_calling")
    answer = await runnable.ainvoke("title please")
    assert answer == TitleDraft(title="AURUM, in golden light")
    body = fake.chat_bodies()[0]
    assert body["tool_choice"]["function"]["name"] == "TitleDraft"


async def test_flagged_prompts_are_sanitised_once_then_blocked(fake: FakeOpenAI) -> None:
    from aistudio.tools.moderation.openai import OpenAIModerator
    from aistudio.tools.moderation.prompts import moderate_prompts

    fake.flag_terms.add("bloody")
    moderator, planner = OpenAIModerator(_settings(fake, {})), _planner(fake)
    clean, verdict = await moderate_prompts(
        moderator, ["Calm bottle."], kind="promo", sanitiser=planner
    )
    assert verdict.allowed and clean == ("Calm bottle.",) and not fake.chat_bodies()
    fake.answers["SanitisedPrompts"] = {"prompts": ["Bottle on a calm plinth.", "Gold cap."]}
    fixed, verdict = await moderate_prompts(
        moderator, ["A bloody bottle.", "Gold cap."], kind="promo", sanitiser=planner
    )
    assert verdict.allowed and "sanitised after violence" in verdict.reason
    assert fixed[0].startswith("Bottle on a calm plinth.")
    fake.answers["SanitisedPrompts"] = {"prompts": ["Still bloody.", "Gold cap."]}
    _, verdict = await moderate_prompts(
        moderator, ["A bloody bottle.", "Gold cap."], kind="promo", sanitiser=planner
    )
    assert not verdict.allowed and verdict.categories == ("violence",)
    assert len(fake.chat_bodies("SanitisedPrompts")) == 2  # once per flagged plan, no loop
