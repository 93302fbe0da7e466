"""POST /quote: the plan, a storyboard and the cost of a video, without rendering it.

The body is a video request plus `kind`; it is validated exactly like a submission (same
photo intake, same problems). Planning is the video graph's own planning half
(`aistudio.graph.planning`), the storyboard is drawn from the local keyframes, and the cost
is what the configured provider quotes per shot: nothing is submitted anywhere.
"""

from __future__ import annotations

import asyncio

from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from aistudio.artifacts import JobKind
from aistudio.graph import preview
from aistudio.graph.planning import PlannedJob, run_planning
from aistudio.jobs import intake
from aistudio.jobs.requests import VideoRequest
from aistudio.jobs.service import new_job_id
from aistudio.server.deps import Caller, Service, SignedLinks
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.results import publish_result
from aistudio.server.schemas import AssetInfo, QAStage


class QuoteRequest(VideoRequest):
    """A video request body plus the kind of video to quote."""

    kind: JobKind = Field(default="promo", description="promo, fashion or ugc.")


class QuoteShot(BaseModel):
    index: int
    duration_s: float
    framing: str
    camera_move: str
    description: str
    caption: str
    prompt: str = Field(description="What a hosted video model would be asked for.")


class QuotePlan(BaseModel):
    title: str
    logline: str
    tagline: str
    call_to_action: str
    vibe: str
    grade: str
    duration_s: float
    aspect_ratios: list[str]
    shots: list[QuoteShot]
    voice_over: list[str] = Field(description="The voice-over lines, in order (may be empty).")


class CostLine(BaseModel):
    shot_index: int
    model: str
    price_usd: float | None = Field(description="None: the model's price is unknown.")


class CostEstimate(BaseModel):
    currency: str = "USD"
    total_usd: float = Field(description="The sum of the known prices.")
    complete: bool = Field(description="False when some line's price is unknown.")
    unknown_models: list[str]
    lines: list[CostLine]
    budget_usd: float | None = Field(description="max_cost_usd, else the server's default.")
    within_budget: bool | None = Field(
        description="Whether a job would pass the budget check (None: no budget)."
    )


class QuoteResponse(BaseModel):
    quote_id: str
    kind: str
    provider: str
    plan: QuotePlan
    plan_qa: QAStage
    storyboard: AssetInfo
    cost: CostEstimate


def provide_planning_slots(state: State, service: Service) -> asyncio.Semaphore:
    """At most as many quotes and refines plan at once as jobs run: all load the same cores."""
    slots: asyncio.Semaphore | None = getattr(state, "planning_slots", None)
    if slots is None:  # no await since the check: one semaphore per app
        slots = asyncio.Semaphore(service.settings.server.max_concurrent_jobs)
        state.planning_slots = slots
    return slots


def _plan_view(job: PlannedJob) -> QuotePlan:
    prompts = {shot.shot_index: shot.prompt for shot in job.plan.shots}
    concept = job.concept
    return QuotePlan(
        title=concept.title,
        logline=concept.logline,
        tagline=concept.tagline,
        call_to_action=concept.call_to_action,
        vibe=concept.vibe,
        grade=job.plan.grade,
        duration_s=job.plan.duration_s,
        aspect_ratios=list(job.plan.aspect_ratios),
        shots=[
            QuoteShot(
                index=s.index,
                duration_s=s.duration_s,
                framing=s.framing,
                camera_move=s.camera_move,
                description=s.description,
                caption=s.caption,
                prompt=prompts.get(s.index, s.provider_prompt),
            )
            for s in job.shots.shots
        ],
        voice_over=[line.text for line in job.audio.script],
    )


def _cost(lines: list[preview.CostLine], budget: float | None) -> CostEstimate:
    unknown = sorted({line.model for line in lines if line.price_usd is None})
    total = round(sum(line.price_usd or 0.0 for line in lines), 4)
    within = None
    if budget is not None:
        # As render_submit's check: an unpriced model cannot be shown to fit a budget.
        within = not unknown and total <= budget + 1e-9
    return CostEstimate(
        total_usd=total,
        complete=not unknown,
        unknown_models=unknown,
        lines=[
            CostLine(shot_index=line.shot_index, model=line.model, price_usd=line.price_usd)
            for line in lines
        ],
        budget_usd=budget,
        within_budget=within,
    )


def _qa_stage(job: PlannedJob) -> QAStage:
    report = job.plan_qa
    return QAStage(
        passed=report.passed,
        attempt=report.attempt,
        violations=list(report.violations),
        warnings=list(report.warnings),
        checks=len(report.checks),
    )


class QuoteController(Controller):
    path = "/quote"
    tags = ["quotes and refines"]  # noqa: RUF012 - Litestar reads it
    dependencies = {"planning_slots": Provide(provide_planning_slots, sync_to_thread=False)}  # noqa: RUF012

    @post(
        "/",
        status_code=200,
        opt={PROBLEMS_OPT: (415,)},
        summary="Plan, storyboard and cost of a video; renders nothing",
        description="The body of the generate-*-video routes plus `kind`. Runs ingest, "
        "moderation, the planning agents and plan QA, draws the storyboard from the local "
        "keyframes and prices each shot on the configured provider; no render is submitted.",
    )
    async def quote(
        self,
        service: Service,
        principal: Caller,
        links: SignedLinks,
        planning_slots: NamedDependency[asyncio.Semaphore],
        data: JSONBody[QuoteRequest],
    ) -> QuoteResponse:
        settings, tools = service.settings, service.toolbox
        brief = intake.build_brief(data.kind, data, settings)
        intake.check_models(tools, brief)
        photo = await intake.store_photo(tools, await intake.reference_bytes(data, settings))
        quote_id = new_job_id("quote")
        async with planning_slots:
            job = await run_planning(tools, brief, photo, quote_id)
            board = await preview.storyboard(tools, job)
        budget = brief.max_cost_usd
        if budget is None:
            budget = settings.providers.max_cost_usd_per_job
        return QuoteResponse(
            quote_id=quote_id,
            kind=data.kind,
            provider=tools.video.name,
            plan=_plan_view(job),
            plan_qa=_qa_stage(job),
            storyboard=await publish_result(
                tools.storage, links, quote_id, "storyboard.png", board
            ),
            cost=_cost(preview.cost_lines(tools, job.plan, brief.models), budget),
        )
