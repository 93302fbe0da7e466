"""Runs on a thread (Agent Protocol): create (background), wait, stream (SSE), join, join
the stream, get, list, cancel; and the product routes: render a thread's brief as a job,
list the jobs a thread made."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Response, Stream

from aistudio.jobs.agent_options import STREAM_MODES
from aistudio.jobs.agent_runs import EVENT_OF_MODE, AgentRun
from aistudio.jobs.brief_desk import submit_draft
from aistudio.jobs.conversations import Conversations
from aistudio.nodes.brief_ports import merge_brief
from aistudio.server.controllers.agent import AGENT_DEPENDENCIES, Agent, Json
from aistudio.server.deps import API_PREFIX, Caller, Service, SignedLinks
from aistudio.server.schemas import JobView, SubmitResponse, job_view


def _run_location(run: AgentRun) -> str:
    return f"{API_PREFIX}/agent/threads/{run.thread_id}/runs/{run.run_id}"


def _events_for(modes: list[str]) -> set[str]:
    return {EVENT_OF_MODE[STREAM_MODES[mode]] for mode in modes if mode in STREAM_MODES}


def _sse(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _event_stream(
    agent: Conversations, run: AgentRun, modes: list[str], cancel_on_disconnect: bool
) -> AsyncIterator[bytes]:
    """The run's events as SSE. A client that goes away leaves the run going, unless it
    asked for `on_disconnect=cancel`."""
    finished = False
    try:
        async for name, data in run.follow(_events_for(modes)):
            yield _sse(name, data)
        finished = True
    finally:
        if not finished and cancel_on_disconnect and run.active:
            await agent.cancel_run(run.tenant, run.thread_id, run.run_id, "interrupt")


def _stream_response(agent: Conversations, run: AgentRun, modes: list[str], cancel: bool) -> Stream:
    return Stream(
        _event_stream(agent, run, modes, cancel),
        media_type="text/event-stream",
        headers={
            "Content-Location": _run_location(run),
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        },
    )


class RunsController(Controller):
    path = "/agent/threads/{thread_id:str}"
    tags = ["agent (Agent Protocol)"]  # noqa: RUF012 - Litestar reads it
    dependencies = AGENT_DEPENDENCIES

    @post("/runs", status_code=200, summary="Start a run in the background")
    async def create(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Response[Json]:
        run = await agent.start_run(principal.tenant, thread_id, data)
        return Response(run.as_json(), headers={"Content-Location": _run_location(run)})

    @post("/runs/wait", status_code=200, summary="Run and answer the final values")
    async def wait(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Response[Any]:
        run = await agent.start_run(principal.tenant, thread_id, data)
        values = await agent.final_values(run)
        return Response(values, headers={"Content-Location": _run_location(run)})

    @post("/runs/stream", status_code=200, summary="Run and stream its events (SSE)")
    async def stream(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Stream:
        run = await agent.start_run(principal.tenant, thread_id, data)
        return _stream_response(
            agent, run, run.options.stream_modes, data.get("on_disconnect") == "cancel"
        )

    @get("/runs", summary="The thread's recent runs, newest first")
    async def list_runs(
        self,
        agent: Agent,
        principal: Caller,
        thread_id: FromPath[str],
        limit: int = Parameter(default=10, ge=1, le=100),
        offset: int = Parameter(default=0, ge=0),
    ) -> list[Json]:
        runs = agent.runs_of(await agent.thread_row(principal.tenant, thread_id))
        return [run.as_json() for run in runs[offset : offset + limit]]

    @get("/runs/{run_id:str}", summary="A run")
    async def get_run(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], run_id: FromPath[str]
    ) -> Json:
        row = await agent.thread_row(principal.tenant, thread_id)
        return agent.run_of(row, run_id).as_json()

    @get("/runs/{run_id:str}/join", summary="Wait for a run; the thread's final values")
    async def join(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], run_id: FromPath[str]
    ) -> Any:
        row = await agent.thread_row(principal.tenant, thread_id)
        return await agent.final_values(agent.run_of(row, run_id))

    @get("/runs/{run_id:str}/stream", summary="Join a run's event stream (SSE)")
    async def join_stream(
        self,
        request: Request[Any, Any, Any],
        agent: Agent,
        principal: Caller,
        thread_id: FromPath[str],
        run_id: FromPath[str],
    ) -> Stream:
        run = agent.run_of(await agent.thread_row(principal.tenant, thread_id), run_id)
        asked = [m for m in request.query_params.getall("stream_mode", []) if m]
        cancel = request.query_params.get("cancel_on_disconnect", "false").lower() == "true"
        return _stream_response(agent, run, asked or run.options.stream_modes, cancel)

    @post("/runs/{run_id:str}/cancel", status_code=202, summary="Cancel a run")
    async def cancel(
        self,
        agent: Agent,
        principal: Caller,
        thread_id: FromPath[str],
        run_id: FromPath[str],
        wait: int = Parameter(default=0, ge=0, le=1),
        action: str = Parameter(default="interrupt"),
    ) -> Response[Any]:
        run = await agent.cancel_run(principal.tenant, thread_id, run_id, action)
        if wait:
            await run.finished.wait()
            return Response({}, status_code=200)
        return Response(None, status_code=202)


class ThreadJobsController(Controller):
    """Product routes on a conversation: render its brief, list what it rendered."""

    path = "/agent/threads/{thread_id:str}"
    tags = ["agent (Agent Protocol)"]  # noqa: RUF012 - Litestar reads it
    dependencies = AGENT_DEPENDENCIES

    @post("/render", status_code=202, summary="Render the thread's brief as a video job")
    async def render(
        self, agent: Agent, service: Service, principal: Caller, thread_id: FromPath[str]
    ) -> Response[SubmitResponse]:
        row = await agent.thread_row(principal.tenant, thread_id)
        values = (await agent.state(principal.tenant, thread_id))["values"]
        draft = merge_brief(None, values.get("brief") or {})
        job = await submit_draft(service, principal.tenant, row.thread_id, draft)
        body = SubmitResponse(
            job_id=job.id,
            status=job.status,
            status_url=f"{API_PREFIX}/video/status/{job.id}",
            events_url=f"{API_PREFIX}/jobs/{job.id}/events",
        )
        return Response(body, status_code=202, headers={"Location": f"{API_PREFIX}/jobs/{job.id}"})

    @get("/jobs", summary="The jobs this thread rendered, newest first")
    async def jobs(
        self,
        agent: Agent,
        service: Service,
        links: SignedLinks,
        principal: Caller,
        thread_id: FromPath[str],
    ) -> list[JobView]:
        row = await agent.thread_row(principal.tenant, thread_id)
        rows = await service.store.thread_jobs(principal.tenant, row.thread_id)
        return [job_view(job, links.assets(job), links.image_url(job)) for job in rows]
