"""The brief agent: a chat model bound to the brief tools, in a model ⇄ ToolNode loop.

START → intake (stores attached photos) → chat ⇄ tools → END. The same graph runs on an
OpenAI-compatible LLM or, offline, on the grammar model of `aistudio.tools.chat.offline`.
Checkpointed per thread by whoever compiles it (the Agent Protocol service, Studio).
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import ToolNode

from aistudio.nodes.brief_chat import chat, intake
from aistudio.nodes.brief_ports import BriefContext, BriefInput, BriefState
from aistudio.nodes.brief_tools import BRIEF_TOOLS

BRIEF_GRAPH_ID = "brief"


async def route_after_chat(state: BriefState) -> Literal["tools", "__end__"]:
    """Tools when the model's last message calls any, else the turn is over."""
    messages = state.get("messages") or []
    last = messages[-1] if messages else None
    return "tools" if getattr(last, "tool_calls", None) else "__end__"


def build_brief_graph() -> StateGraph[Any, Any, Any, Any]:
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        BriefState, context_schema=BriefContext, input_schema=BriefInput
    )
    graph.add_node("intake", intake)
    graph.add_node("chat", chat)
    graph.add_node("tools", ToolNode(list(BRIEF_TOOLS)))
    graph.add_edge(START, "intake")
    graph.add_edge("intake", "chat")
    graph.add_conditional_edges("chat", route_after_chat, ["tools", END])
    graph.add_edge("tools", "chat")
    return graph
