"""The fake OpenAI's tool-calling agent: what a chat model bound to tools (`bind_tools`:
`tools` without `tool_choice`) answers, scripted turn by turn: text, tool calls, or both,
as one completion or, when the request streams, as server-sent chunks: the text a word per
chunk, each tool call a header (id, name) then its JSON arguments in small fragments
(shared/reference/providers.md §1)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.asgi import Response

ARGUMENT_FRAGMENT = 7  # characters of a streamed tool call's arguments per chunk
USAGE = {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}


@dataclass(frozen=True)
class Call:
    """A tool call as the model makes it; `arguments` as a string is sent verbatim."""

    name: str
    arguments: dict[str, Any] | str


@dataclass(frozen=True)
class Turn:
    """One answer of the tool-calling agent: text, tool calls, or both."""

    content: str = ""
    calls: tuple[Call, ...] = ()


TurnStep = Turn | Callable[[dict[str, Any]], Turn]


def is_agent_call(body: dict[str, Any]) -> bool:
    """A model bound to tools and free to call them (not structured output)."""
    free = not body.get("tool_choice") and not body.get("response_format")
    return bool(body.get("tools")) and free


def words(text: str) -> list[str]:
    """Text as the fake streams it: a word (and the space after it) per chunk."""
    return re.findall(r"\S+\s*|\s+", text)


def completion(body: dict[str, Any], message: dict[str, Any], finish: str, ref: str) -> Response:
    response = Response.of(
        {
            "id": f"chatcmpl-{ref}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "gpt-4o-mini"),
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": USAGE,
        }
    )
    response.headers["x-request-id"] = f"req_{ref}"
    return response


def _tool_calls(turn: Turn, ids: itertools.count[int]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{next(ids)}",
            "type": "function",
            "function": {
                "name": call.name,
                "arguments": call.arguments
                if isinstance(call.arguments, str)
                else json.dumps(call.arguments),
            },
        }
        for call in turn.calls
    ]


def _streamed(
    body: dict[str, Any], content: str, calls: list[dict[str, Any]], finish: str, ref: str
) -> Response:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{ref}",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": body.get("model", "gpt-4o-mini"),
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }

    events: list[dict[str, Any]] = []
    if content:
        events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
        events += [chunk({"content": piece}) for piece in words(content)]
    for index, call in enumerate(calls):
        function = {"name": call["function"]["name"], "arguments": ""}
        delta: dict[str, Any] = {
            "tool_calls": [
                {"index": index, "id": call["id"], "type": "function", "function": function}
            ]
        }
        if not events:  # a tool call first: the role comes with it
            delta = {"role": "assistant", "content": None, **delta}
        events.append(chunk(delta))
        arguments = call["function"]["arguments"]
        for start in range(0, len(arguments), ARGUMENT_FRAGMENT):
            fragment = {"arguments": arguments[start : start + ARGUMENT_FRAGMENT]}
            events.append(chunk({"tool_calls": [{"index": index, "function": fragment}]}))
    events.append(chunk({}, finish))
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append({**chunk({}), "choices": [], "usage": USAGE})
    lines = [f"data: {json.dumps(event)}\n\n".encode() for event in events]
    return Response(
        200,
        headers={"content-type": "text/event-stream", "x-request-id": f"req_{ref}"},
        chunks=[*lines, b"data: [DONE]\n\n"],
        pause_s=0.005,
    )


def agent_answer(turn: Turn, body: dict[str, Any], ids: itertools.count[int]) -> Response:
    """The turn as the chat completions API sends it: streamed when the request asks."""
    calls = _tool_calls(turn, ids)
    finish = "tool_calls" if calls else "stop"
    ref = str(next(ids))
    if body.get("stream"):
        return _streamed(body, turn.content, calls, finish, ref)
    message: dict[str, Any] = {"role": "assistant", "content": turn.content or None}
    message["refusal"] = None
    if calls:
        message["tool_calls"] = calls
    return completion(body, message, finish, ref)
