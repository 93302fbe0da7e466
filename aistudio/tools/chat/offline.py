"""The offline brief agent: a LangChain chat model that reads plain-language edits with the
grammar in `aistudio.tools.chat.grammar` and answers as a tool-calling LLM would.

It sits in the same graph as an LLM (same prompt, same tools, same ToolNode), so LangGraph
Studio, the Agent Protocol and the tests see the same messages either way. Per user message
it works in up to three rounds, each one model call:

1. edits: one `update_brief` call with the whole patch, plus `analyze_reference` per photo
   or photo URL;
2. actions, after the edits are applied: `preview_plan`, `estimate_cost`, `render`,
   `job_status`, as asked;
3. the reply: what changed, what the tools said, and what it did not understand.

The current brief comes from the `<brief>` block of the system prompt, as an LLM reads it.
A reply streams in chunks of a few words (`_stream` / `_astream`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from aistudio.brief_draft import BriefDraft
from aistudio.tools.chat.grammar import ParsedTurn, parse_message
from aistudio.tools.chat.replies import compose_reply

BRIEF_BLOCK = re.compile(r"<brief>\s*(\{.*?\})\s*</brief>", re.DOTALL)
EDIT_TOOLS = ("update_brief", "analyze_reference")


def message_text(message: BaseMessage) -> str:
    """The text parts of a message (image blocks are not text)."""
    if isinstance(message.content, str):
        return message.content
    parts = [
        part if isinstance(part, str) else str(part.get("text", ""))
        for part in message.content
        if isinstance(part, str) or part.get("type") == "text"
    ]
    return " ".join(parts)


def draft_from_prompt(messages: Sequence[BaseMessage]) -> BriefDraft:
    for message in messages:
        if isinstance(message, SystemMessage):
            found = BRIEF_BLOCK.search(message_text(message))
            if found:
                try:
                    return BriefDraft.model_validate_json(found.group(1))
                except ValidationError:
                    break
    return BriefDraft()


def _call(name: str, args: dict[str, Any], seed: str, index: int) -> ToolCall:
    digest = hashlib.sha256(f"{seed}:{name}:{index}".encode()).hexdigest()[:20]
    return ToolCall(name=name, args=args, id=f"call_{digest}", type="tool_call")


def plan_turn(messages: Sequence[BaseMessage], bound: Sequence[str]) -> AIMessage:
    """The next assistant message for this conversation (pure: no I/O, no randomness)."""
    last_human = max(
        (i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=None
    )
    if last_human is None:
        return AIMessage(content=compose_reply(ParsedTurn(), [], greeting=True))
    text = message_text(messages[last_human])
    turn = parse_message(text, draft_from_prompt(messages))
    after = messages[last_human + 1 :]
    called = [call["name"] for m in after if isinstance(m, AIMessage) for call in m.tool_calls]
    seed = f"{last_human}:{text}"
    results = [m for m in after if isinstance(m, ToolMessage)]
    missing = [name for name in (*EDIT_TOOLS, *turn.actions) if name not in bound]

    if not called:
        edits: list[ToolCall] = []
        if turn.patch and "update_brief" in bound:
            edits.append(_call("update_brief", turn.patch, seed, 0))
        if "analyze_reference" in bound:
            for photo in turn.photos:
                edits.append(_call("analyze_reference", {"photo": photo}, seed, len(edits)))
            for url in turn.urls:
                edits.append(_call("analyze_reference", {"url": url}, seed, len(edits)))
        if edits:
            return AIMessage(content="", tool_calls=edits)
    pending = [a for a in turn.actions if a in bound and a not in called]
    if pending:
        calls = [_call(name, {}, seed, 10 + i) for i, name in enumerate(pending)]
        return AIMessage(content="", tool_calls=calls)
    unavailable = [name for name in missing if name in (*turn.actions, "analyze_reference")]
    return AIMessage(content=compose_reply(turn, results, unavailable=unavailable))


def _chunks(message: AIMessage, words: int) -> Iterator[AIMessageChunk]:
    """The message as a stream: its tool calls in one chunk, its text a few words at a time."""
    if message.tool_calls:
        yield AIMessageChunk(
            content="",
            tool_call_chunks=[
                {
                    "name": call["name"],
                    "args": json.dumps(call["args"]),
                    "id": call["id"],
                    "index": index,
                    "type": "tool_call_chunk",
                }
                for index, call in enumerate(message.tool_calls)
            ],
        )
        return
    text = str(message.content)
    pieces = re.findall(r"\S+\s*", text)
    for start in range(0, len(pieces), words):
        yield AIMessageChunk(content="".join(pieces[start : start + words]))


class OfflineChatModel(BaseChatModel):
    """Deterministic stand-in for the brief agent's LLM (see the module docstring)."""

    chunk_words: int = 3

    @property
    def _llm_type(self) -> str:
        return "aistudio-offline-brief"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """As `ChatOpenAI.bind_tools`: the tools travel as OpenAI function schemas, and the
        model only calls tools it was given."""
        del tool_choice  # it always chooses for itself, as `tool_choice="auto"` does
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, **kwargs)

    @staticmethod
    def _bound(kwargs: dict[str, Any]) -> list[str]:
        return [tool["function"]["name"] for tool in kwargs.get("tools") or ()]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = plan_turn(messages, self._bound(kwargs))
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # The base class reports each chunk to the callbacks (LangGraph's token stream).
        for chunk in _chunks(plan_turn(messages, self._bound(kwargs)), self.chunk_words):
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in _chunks(plan_turn(messages, self._bound(kwargs)), self.chunk_words):
            yield ChatGenerationChunk(message=chunk)
