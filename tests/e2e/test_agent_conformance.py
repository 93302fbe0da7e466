"""Conformance: the same `langgraph_sdk` script against `langgraph dev` (langgraph-api, the
reference implementation) and against `aistudio serve`, both serving the brief graph on the
offline chat model. Every response is reduced to its shape (keys and value types, lists item
by item), stream events to their names per stream mode, errors to their status;
the two must agree except where `DELIBERATE` says why not.

Found and fixed on our side while writing this: times without their UTC offset (a browser
reads them as local time); threads without `assistant_id` in their metadata (chat UIs list
a user's threads by it); run metadata without the thread's metadata, `assistant_id` and
`created_by`; run `kwargs` missing `config`, `context`, `durability` and the other echoed
options; a run's `checkpoint_id`, `durability`, `config` and unserved options (interrupts,
webhooks, context) silently ignored (now honoured or refused with 422); an invalid
assistant name answered 404 where langgraph-api answers 422; the planning agents' JSON
(asked for inside the brief tools) streamed into the chat as messages (test_agent_llm.py).

Not served here, and refused with a 422 that says so: stream modes `messages` (use
`messages-tuple`), `debug`, `tasks`, `checkpoints` and `events`; interrupts, run webhooks,
delayed runs and a client-chosen context. Not mounted: assistants CRUD and versions, crons,
the store, stateless runs (`/runs` without a thread).
"""

from __future__ import annotations

import base64
import fnmatch
import re
from collections.abc import Awaitable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.schema import StreamMode

from tests.conftest import sample
from tests.e2e.studio import free_port, langgraph_dev
from tests.e2e.test_serve import serving

pytestmark = pytest.mark.slow

Shape = Any
STREAM_MODES: tuple[StreamMode, ...] = ("values", "updates", "messages-tuple", "custom")

# Where the two servers differ on purpose: (response path pattern, difference, why). A path
# names a response ("threads.get_state", "stream(custom).custom": the first event of that
# name in that stream mode), then keys; `#` is an item of a list.
DELIBERATE: tuple[tuple[str, str, str], ...] = (
    ("*.description", "type", "our assistant describes itself; langgraph-api's is null"),
    ("*.langsmith_session_name", "only theirs", "the server alone chooses the trace project"),
    # langgraph-api's platform, auth and request bookkeeping: nothing a chat client reads.
    ("*.kwargs.config.configurable.*", "only theirs", "platform bookkeeping"),
    ("*metadata.langgraph_*", "only theirs", "platform bookkeeping"),
    ("*metadata.user_id", "only theirs", "auth: our tenant is the API key's"),
    ("*metadata.run_attempt", "only theirs", "a run is attempted once here"),
    ("stream(messages-tuple).messages#.langgraph_*", "only theirs", "platform bookkeeping"),
    # A checkpoint's metadata: LangGraph's saver keeps thread_id out; langgraph-api's own
    # checkpointer writes it. A client reading history knows its thread.
    ("threads.get_state.metadata.thread_id", "only theirs", "the saver drops it"),
    ("threads.get_history#.metadata.thread_id", "only theirs", "the saver drops it"),
    # Our runs are named and tagged for tracing (RunLabels); the labels reach checkpoints.
    ("*metadata.graph", "only ours", "trace label"),
    ("*metadata.tenant", "only ours", "trace label: the caller's own tenant"),
    ("*metadata.kind", "only ours", "trace label: the brief's kind"),
    ("stream(messages-tuple).messages#.graph", "only ours", "trace label"),
    ("stream(messages-tuple).messages#.tenant", "only ours", "trace label"),
    ("stream(messages-tuple).messages#.kind", "only ours", "trace label"),
    ("stream(messages-tuple).messages#.tags", "only ours", "trace tags (graph, thread ...)"),
    # Our threads belong to the one assistant from the start; langgraph-api labels a
    # thread with its graph and assistant on its first run.
    ("threads.create.metadata.graph_id", "only ours", "labelled at creation"),
    ("threads.create.metadata.assistant_id", "only ours", "labelled at creation"),
    # We answer every Thread field at once; langgraph-api adds these after a first run.
    ("threads.create.error", "only ours", "every field, always"),
    ("threads.create.interrupts", "only ours", "every field, always"),
    ("*.config.configurable", "only theirs", "a thread's config: ours is always {}"),
    # We publish the storyboard behind a signed, expiring link; Studio has none to give.
    ("*.preview.storyboard_url", "type", "a signed link to the storyboard"),
)


def shape(value: Any) -> Shape:
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def differences(ours: Shape, theirs: Shape, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            where = f"{path}.{key}" if path else key
            if key not in theirs:
                yield where, "only ours"
            elif key not in ours:
                yield where, "only theirs"
            else:
                yield from differences(ours[key], theirs[key], where)
    elif isinstance(ours, list) and isinstance(theirs, list):
        # Item by item: both sides ran the same model and tools, so the same messages.
        if len(ours) != len(theirs):
            yield path, "length"
        for our_item, their_item in zip(ours, theirs, strict=False):
            yield from differences(our_item, their_item, f"{path}#")
    elif ours != theirs:
        yield path, "type"


def unexplained(ours: Shape, theirs: Shape) -> list[str]:
    return [
        f"{path}: {kind}"
        for path, kind in differences(ours, theirs)
        if not any(
            fnmatch.fnmatchcase(path, pattern) and kind == expected
            for pattern, expected, _ in DELIBERATE
        )
    ]


def _say(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _photo() -> dict[str, Any]:
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    content = [
        {"type": "text", "text": "It's called AURUM Eau de Parfum"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
    ]
    return {"messages": [{"role": "user", "content": content}]}


async def _status(call: Awaitable[Any]) -> int:
    try:
        await call
    except httpx.HTTPStatusError as exc:  # the sdk's own errors are httpx's too
        return exc.response.status_code
    return 200


async def script(url: str) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, int]]:
    """One conversation through every call a chat client makes: the responses, the SSE
    event names per stream mode, and the status of the calls that must fail."""
    client = get_client(url=url)
    got: dict[str, Any] = {}
    (assistant,) = await client.assistants.search(graph_id="brief")
    got["assistants.search"] = [assistant]
    got["assistants.get"] = await client.assistants.get(assistant["assistant_id"])
    thread = await client.threads.create(metadata={"shop": "aurum"})
    tid = thread["thread_id"]
    got["threads.create"] = thread
    got["runs.wait"] = await client.runs.wait(tid, "brief", input=_photo())
    got["threads.get"] = await client.threads.get(tid)
    got["threads.search"] = await client.threads.search(metadata={"shop": "aurum"})
    got["threads.update"] = await client.threads.update(tid, metadata={"step": 2})
    got["threads.get_state"] = await client.threads.get_state(tid)
    got["threads.get_history"] = await client.threads.get_history(tid, limit=3)
    got["threads.update_state"] = await client.threads.update_state(
        tid, {"brief": {"vibe": "warm"}}
    )
    events: dict[str, list[str]] = {}
    turns = {
        "values": "make it 6 seconds",
        "updates": "square",
        "messages-tuple": "add a voice-over",
        "custom": "show me the storyboard",  # the planning tool reports as it goes
    }
    for mode in STREAM_MODES:
        names: list[str] = []
        async for part in client.runs.stream(
            tid, "brief", input=_say(turns[mode]), stream_mode=mode
        ):
            names.append(part.event)
            got.setdefault(f"stream({mode}).{part.event}", part.data)
        events[mode] = sorted(set(names))
    background = await client.runs.create(tid, "brief", input=_say("warmer"))
    got["runs.create"] = background
    got["runs.join"] = await client.runs.join(tid, background["run_id"])
    run = await client.runs.create(tid, "brief", input=_say("show me the storyboard"))
    statuses = {
        "runs.create reject while busy": await _status(
            client.runs.create(tid, "brief", input=_say("warmer"), multitask_strategy="reject")
        ),
    }
    await client.runs.cancel(tid, run["run_id"], wait=True)
    got["runs.get"] = await client.runs.get(tid, run["run_id"])
    got["runs.list"] = await client.runs.list(tid)
    unknown = "00000000-0000-4000-8000-000000000000"
    statuses |= {
        "threads.get unknown": await _status(client.threads.get(unknown)),
        "runs.get unknown": await _status(client.runs.get(tid, unknown)),
        "runs.create unknown assistant": await _status(
            client.runs.create(tid, unknown, input=_say("x"))
        ),
        "runs.create invalid assistant": await _status(
            client.runs.create(tid, "no-such-graph", input=_say("x"))
        ),
        "runs.create unknown stream mode": await _status(
            client.runs.create(tid, "brief", input=_say("x"), stream_mode="bogus")  # type: ignore[arg-type]
        ),
    }
    got["cancelled status"] = got["runs.get"]["status"]
    await client.threads.delete(tid)
    statuses["threads.get deleted"] = await _status(client.threads.get(tid))
    return got, events, statuses


_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def times(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every timestamp of a response, by path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from times(item, f"{path}#")
    elif isinstance(value, str) and _TIME.match(value):
        yield path, value


@pytest.fixture
def reference_url(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[str]:
    with langgraph_dev(tmp_path / "reference", {**cli_env}) as url:
        yield url


async def test_our_agent_protocol_answers_as_langgraph_api(
    reference_url: str, tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    theirs, their_events, their_statuses = await script(reference_url)
    port = free_port()
    with serving(aistudio_cmd, cli_env, tmp_path / "ours", port):
        ours, our_events, our_statuses = await script(f"http://127.0.0.1:{port}/api/v1/agent")

    problems = unexplained(shape(ours), shape(theirs))
    assert not problems, "\n".join(problems)
    assert our_events == their_events
    assert our_events["custom"] == ["custom", "metadata"]  # the tool's progress streamed
    assert our_statuses == their_statuses, (our_statuses, their_statuses)
    assert ours["cancelled status"] == theirs["cancelled status"] == "interrupted"
    # The same model and tools on both sides: the same brief and the same tool calls.
    assert ours["runs.join"]["brief"] == theirs["runs.join"]["brief"]
    for path, moment in times(ours):
        assert datetime.fromisoformat(moment).utcoffset() is not None, (path, moment)
