"""The Agent Protocol (the LangGraph Platform API subset the official `langgraph-sdk` uses
for chat), mounted at /api/v1/agent: assistants and threads (state, history). Runs are in
`agent_runs.py`. Bodies and answers follow langgraph-api's shapes; errors are problem
details. Every thread belongs to the caller's tenant: another tenant's thread is a 404."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter

from aistudio.jobs.conversations import Conversations
from aistudio.server.deps import Caller

Json: TypeAlias = dict[str, Any]
Agent: TypeAlias = NamedDependency[Conversations]


def provide_conversations(state: State) -> Conversations:
    conversations: Conversations = state.conversations
    return conversations


AGENT_DEPENDENCIES = {"agent": Provide(provide_conversations, sync_to_thread=False)}


class AssistantsController(Controller):
    path = "/agent/assistants"
    tags = ["agent (Agent Protocol)"]  # noqa: RUF012 - Litestar reads it
    dependencies = AGENT_DEPENDENCIES

    @post("/search", status_code=200, summary="Search assistants (the one: `brief`)")
    async def search(self, agent: Agent, principal: Caller, data: JSONBody[Json]) -> list[Json]:
        del principal  # authenticated; assistants are the same for every tenant
        graph = data.get("graph_id")
        offset, limit = int(data.get("offset") or 0), int(data.get("limit") or 10)
        found = [agent.assistant("brief")] if graph in (None, "brief") else []
        return found[offset : offset + limit]

    @get("/{assistant_id:str}", summary="An assistant (`brief` or its UUID)")
    async def get_one(self, agent: Agent, principal: Caller, assistant_id: FromPath[str]) -> Json:
        del principal
        return agent.assistant(assistant_id)


class ThreadsController(Controller):
    path = "/agent/threads"
    tags = ["agent (Agent Protocol)"]  # noqa: RUF012 - Litestar reads it
    dependencies = AGENT_DEPENDENCIES

    @post("/", status_code=200, summary="Create a thread (a conversation)")
    async def create(self, agent: Agent, principal: Caller, data: JSONBody[Json]) -> Json:
        if data.get("supersteps"):
            from aistudio.errors import InputError

            raise InputError("supersteps are not supported here")
        row = await agent.create_thread(
            principal.tenant,
            data.get("thread_id"),
            dict(data.get("metadata") or {}),
            str(data.get("if_exists") or "raise"),
        )
        return await agent.thread_json(row)

    @post("/search", status_code=200, summary="Search the caller's threads")
    async def search(self, agent: Agent, principal: Caller, data: JSONBody[Json]) -> list[Json]:
        return await agent.search_threads(principal.tenant, data)

    @get("/{thread_id:str}", summary="A thread, with its current values")
    async def get_one(self, agent: Agent, principal: Caller, thread_id: FromPath[str]) -> Json:
        return await agent.thread_json(await agent.thread_row(principal.tenant, thread_id))

    @patch("/{thread_id:str}", summary="Merge metadata into a thread")
    async def patch_one(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Json:
        row = await agent.patch_thread(
            principal.tenant, thread_id, dict(data.get("metadata") or {})
        )
        return await agent.thread_json(row)

    @delete("/{thread_id:str}", status_code=204, summary="Delete a thread and its checkpoints")
    async def delete_one(self, agent: Agent, principal: Caller, thread_id: FromPath[str]) -> None:
        await agent.delete_thread(principal.tenant, thread_id)

    @get("/{thread_id:str}/state", summary="The thread's current state")
    async def state(
        self,
        agent: Agent,
        principal: Caller,
        thread_id: FromPath[str],
        subgraphs: bool = Parameter(default=False, required=False),
    ) -> Json:
        del subgraphs  # the brief graph has none
        result: Json = await agent.state(principal.tenant, thread_id)
        return result

    @get("/{thread_id:str}/state/{checkpoint_id:str}", summary="The state at a checkpoint")
    async def state_at(
        self,
        agent: Agent,
        principal: Caller,
        thread_id: FromPath[str],
        checkpoint_id: FromPath[str],
    ) -> Json:
        result: Json = await agent.state(principal.tenant, thread_id, checkpoint_id)
        return result

    @post("/{thread_id:str}/state/checkpoint", status_code=200, summary="The state at a checkpoint")
    async def state_post(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Json:
        checkpoint = data.get("checkpoint") or {}
        result: Json = await agent.state(
            principal.tenant, thread_id, checkpoint.get("checkpoint_id")
        )
        return result

    @post("/{thread_id:str}/state", status_code=200, summary="Update the thread's state")
    async def update_state(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> Json:
        return await agent.update_state(
            principal.tenant, thread_id, data.get("values"), data.get("as_node")
        )

    @post("/{thread_id:str}/history", status_code=200, summary="Past states, newest first")
    async def history(
        self, agent: Agent, principal: Caller, thread_id: FromPath[str], data: JSONBody[Json]
    ) -> list[Any]:
        return await agent.history(principal.tenant, thread_id, data)
