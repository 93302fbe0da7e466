"""The LLM agents: the `Planner` protocol on an OpenAI-compatible chat model.

Every agent asks for a small draft through `with_structured_output(<draft>,
method="json_schema")` and finishes it with the offline planner's deterministic code
(`complete.py`), so it returns the same typed artifacts as the offline planner. An answer
that cannot be used (schema violation, malformed JSON, refusal, truncation, a rule the code
cannot repair) is re-asked with the error, at most `settings.llm.max_reasks` times; after
that the agent falls back to the offline planner for this call, and says so in a WARNING
log line on `aistudio.planner.llm` ("<agent>: offline fallback after ..."). Provider
failures (HTTP, timeouts) are not re-asked: they surface as `ProviderError` so the SDK's
retries and the graph's RetryPolicy handle them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import openai
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Concept,
    JobKind,
    ProductAnalysis,
    ProductProfile,
    QACheck,
    QAReport,
    RenderPlan,
    ShotList,
    Violation,
)
from aistudio.settings import Settings
from aistudio.tools.llm import make_chat_model, model_for, provider_error
from aistudio.tools.planner import prompts
from aistudio.tools.planner.complete import (
    DraftRejected,
    complete_analysis,
    complete_assembly,
    complete_audio,
    complete_concept,
    complete_shots,
    final_prompt,
    judge_checks,
    voice_slots,
)
from aistudio.tools.planner.drafts import (
    AssemblyDraft,
    ConceptDraft,
    PlanJudgeVerdict,
    ProductAnalysisAudit,
    ProductAnalysisDraft,
    SanitisedPrompts,
    ShotListDraft,
    TitleDraft,
    VoiceScriptDraft,
)
from aistudio.tools.planner.feedback import Retry
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.render.layouts import choose_layout

log = logging.getLogger("aistudio.planner.llm")
D = TypeVar("D", bound=BaseModel)
R = TypeVar("R")
# Answers the model got wrong: worth one more ask with the error, never a provider retry.
UNUSABLE_ANSWERS: tuple[type[Exception], ...] = (
    ValidationError,
    DraftRejected,
    ModelRefusalError,
    OutputParserException,
    openai.LengthFinishReasonError,
    openai.ContentFilterFinishReasonError,
    json.JSONDecodeError,
)


class Unusable(Exception):
    """The model gave no usable answer within the re-asks."""

    def __init__(self, agent: str, asks: int, error: str) -> None:
        super().__init__(f"{agent}: no usable answer in {asks} ask(s): {error}")
        self.agent = agent
        self.error = error


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:8]
        )
    if isinstance(exc, ModelRefusalError):
        return f"the request was refused ({exc})"
    if isinstance(exc, openai.LengthFinishReasonError):
        return "the answer was cut off at the length limit; answer more briefly"
    return str(exc) or type(exc).__name__


def _messages(prompt: prompts.Prompt) -> list[BaseMessage]:
    return [SystemMessage(prompt.system), HumanMessage(prompt.user)]


def image_message(text: str, image: bytes, mime: str) -> HumanMessage:
    """A user message with the photo inline as a base64 data URL (no upload, no URL to
    expire; the normalised photo is at most the working size)."""
    url = f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"
    content: list[str | dict[str, Any]] = [
        {"type": "text", "text": text},
        {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
    ]
    return HumanMessage(content=content)


class LLMPlanner:
    """Concept, Visual, Audio, Assembly and plan-QA agents on a chat model."""

    def __init__(self, settings: Settings, fallback: OfflinePlanner) -> None:
        self.settings = settings
        self.fallback = fallback
        self.max_reasks = max(0, settings.llm.max_reasks)
        self.name = f"llm:{settings.llm.model}+{fallback.name}"
        self._models: dict[str, ChatOpenAI] = {}

    async def _model(self, agent: str) -> ChatOpenAI:
        # Built on first use, one per agent (agents may run on different models), in a
        # thread: the client loads CA certificates from disk, which `langgraph dev` reports
        # as blocking I/O on the event loop.
        if agent not in self._models:
            self._models[agent] = await asyncio.to_thread(make_chat_model, self.settings, agent)
        return self._models[agent]

    async def ask(
        self,
        agent: str,
        schema: type[D],
        messages: Sequence[BaseMessage],
        finish: Callable[[D], R],
        *,
        last: Callable[[D], R] | None = None,
    ) -> R:
        """One structured answer, finished by `finish` (by `last`, when given, on the final
        ask: a more forgiving finish); re-asked with the error while it is unusable. Raises
        `Unusable` after the re-asks, `ProviderError` on provider failure."""
        model = await self._model(agent)
        runnable = model.with_structured_output(schema, method="json_schema")
        history = list(messages)
        error = ""
        for attempt in range(self.max_reasks + 1):
            final = attempt == self.max_reasks
            try:
                answer = await runnable.ainvoke(history)
                if not isinstance(answer, schema):
                    raise DraftRejected(f"expected a {schema.__name__} object")
                return (last or finish)(answer) if final else finish(answer)
            except openai.APIError as exc:  # HTTP status, timeout, connection: not re-asked
                raise provider_error(exc) from exc
            except UNUSABLE_ANSWERS as exc:
                error = _describe(exc)
                log.info(
                    "%s: unusable answer (ask %d of %d): %s",
                    agent,
                    attempt + 1,
                    self.max_reasks + 1,
                    error,
                )
                history = [*messages, HumanMessage(prompts.reask_text(error))]
        raise Unusable(agent, self.max_reasks + 1, error)

    @staticmethod
    def _fell_back(agent: str, exc: Unusable) -> None:
        log.warning("%s: offline fallback after %s", agent, exc)

    async def concept(
        self, brief: Brief, product: ProductProfile, feedback: Sequence[Violation] = ()
    ) -> Concept:
        base = await self.fallback.concept(brief, product, feedback)
        prompt = prompts.concept_prompt(brief, product, feedback)
        try:
            return await self.ask(
                "concept",
                ConceptDraft,
                _messages(prompt),
                lambda d: complete_concept(d, brief, base),
            )
        except Unusable as exc:
            self._fell_back("concept", exc)
            return base

    async def visual(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        feedback: Sequence[Violation] = (),
    ) -> ShotList:
        prompt = prompts.visual_prompt(brief, product, concept, feedback)
        try:
            shots = await self.ask(
                "visual",
                ShotListDraft,
                _messages(prompt),
                lambda d: complete_shots(d, brief, product, concept, self.fallback.fps),
            )
        except Unusable as exc:
            self._fell_back("visual", exc)
            return await self.fallback.visual(brief, product, concept, feedback)
        # The layout is measured, not written: the offline rule decides it for both.
        refused = Retry.of(feedback).whole_photo
        layout = choose_layout(brief.kind, product, cutout_refused=refused)
        return shots.model_copy(update={"layout": layout})

    async def audio(
        self, brief: Brief, concept: Concept, shots: ShotList, feedback: Sequence[Violation] = ()
    ) -> AudioPlan:
        base = await self.fallback.audio(brief, concept, shots, feedback)
        if not brief.voice_over or not shots.shots:
            return base  # music only: nothing creative left to ask a model for
        # Each report that the voice ran long plans it 20 % slower, as the offline planner.
        fb = self.fallback
        slower = Retry.of(feedback).slower_voice
        slots = voice_slots(brief, shots, fb.fps, fb.max_wps * 0.8**slower, fb.voice_tail_s)
        prompt = prompts.audio_prompt(brief, concept, shots, slots, fb.max_wps, feedback)
        try:
            return await self.ask(
                "audio",
                VoiceScriptDraft,
                _messages(prompt),
                lambda d: complete_audio(d, brief, base, slots),
                last=lambda d: complete_audio(d, brief, base, slots, strict=False),
            )
        except Unusable as exc:
            self._fell_back("audio", exc)
            return base

    async def assembly(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        feedback: Sequence[Violation] = (),
    ) -> RenderPlan:
        base = await self.fallback.assembly(brief, product, concept, shots, audio, feedback)
        prompt = prompts.assembly_prompt(brief, concept, shots, base, feedback)
        try:
            return await self.ask(
                "assembly",
                AssemblyDraft,
                _messages(prompt),
                lambda d: complete_assembly(d, base, brief),
            )
        except Unusable as exc:
            self._fell_back("assembly", exc)
            return base

    async def review(
        self,
        brief: Brief,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        plan: RenderPlan,
        attempt: int,
    ) -> QAReport:
        """The plan rules, then (on a plan that meets them) the LLM judge. A plan that
        breaks a rule goes back anyway, so judging it would only spend a call."""
        rules = await self.fallback.review(brief, concept, shots, audio, plan, attempt)
        if not rules.passed:
            return rules
        prompt = prompts.judge_prompt(brief, concept, shots, audio, plan)
        judged: tuple[QACheck, ...]
        try:
            judged = await self.ask("qa", PlanJudgeVerdict, _messages(prompt), judge_checks)
        except Unusable as exc:
            self._fell_back("qa", exc)
            judged = (
                QACheck(
                    name="plan.llm_judge",
                    score=0.0,
                    passed=True,
                    measured=f"not judged, rules only: {exc.error[:200]}",
                ),
            )
        return QAReport(stage="plan", checks=(*rules.checks, *judged), attempt=attempt)

    async def analyse_product(
        self, product: ProductProfile, image: bytes, mime: str = "image/png"
    ) -> ProductAnalysis | None:
        """Read the reference photo (brand, verbatim text, colours, build), then audit that
        reading against the same image. None when no usable first reading came back; the
        first reading, unaudited, when only the audit failed."""
        model = model_for(self.settings, "vision")
        system = SystemMessage(prompts.VISION_SYSTEM)
        first_ask = [
            system,
            image_message(prompts.vision_prompt(product.detected_text), image, mime),
        ]
        try:
            first = await self.ask(
                "vision", ProductAnalysisDraft, first_ask, lambda d: complete_analysis(d, model)
            )
        except Unusable as exc:
            self._fell_back("vision", exc)
            return None
        audit_ask = [system, image_message(prompts.audit_prompt(first), image, mime)]
        try:
            return await self.ask(
                "vision", ProductAnalysisAudit, audit_ask, lambda d: complete_analysis(d, model)
            )
        except Unusable as exc:
            self._fell_back("vision audit", exc)
            return first

    async def title(self, brief: Brief, concept: Concept) -> str:
        """A short title for the finished job (the concept's own title when none comes)."""
        prompt = prompts.title_prompt(brief, concept)

        def finish(draft: TitleDraft) -> str:
            text = " ".join(draft.title.split()).strip("\"' ")
            if not text:
                raise DraftRejected("the title is empty")
            return text[:60]

        try:
            return await self.ask("title", TitleDraft, _messages(prompt), finish)
        except Unusable as exc:
            self._fell_back("title", exc)
            return concept.title

    async def sanitise(
        self, prompts_in: Sequence[str], *, kind: JobKind = "promo", categories: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """Flagged shot prompts rewritten once to be safe, clauses kept. The caller moderates
        the result again and blocks when it is still flagged; unchanged prompts come back
        when the model gives nothing usable (so the second check blocks them)."""
        prompt = prompts.sanitise_prompt(kind, prompts_in, categories)

        def finish(draft: SanitisedPrompts) -> tuple[str, ...]:
            if len(draft.prompts) != len(prompts_in):
                raise DraftRejected(
                    f"{len(draft.prompts)} prompts back for "
                    f"{len(prompts_in)}; keep the count and order"
                )
            return tuple(final_prompt(kind, p, None) for p in draft.prompts)

        try:
            return await self.ask("sanitise", SanitisedPrompts, _messages(prompt), finish)
        except Unusable as exc:
            self._fell_back("sanitise", exc)
            return tuple(prompts_in)
