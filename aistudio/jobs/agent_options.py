"""What a client may ask of a run (the body of `POST /threads/{id}/runs[/wait|/stream]`, as
the official sdk sends it), read once and checked: an option this server does not serve is
refused with a clear 422, never silently ignored, so a client never believes it got
something it did not (an interrupt, a webhook, another context)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from langgraph.types import Durability

from aistudio.errors import InputError

# The sdk's stream modes this server produces, and the graph stream mode behind each.
STREAM_MODES: dict[str, str] = {
    "values": "values",
    "updates": "updates",
    "messages-tuple": "messages",
    "custom": "custom",
}
MultitaskStrategy = Literal["reject", "enqueue"]
RECURSION_LIMIT = 60  # a turn is a few model ⇄ tool rounds; this stops a looping model
MAX_RECURSION_LIMIT = 200
# Options langgraph-api serves that this server does not: asked for, they are refused.
UNSERVED = {
    "interrupt_before": "interrupts are not served here",
    "interrupt_after": "interrupts are not served here",
    "webhook": "run webhooks are not served here (job webhooks are: see /api/v1/video)",
    "after_seconds": "delayed runs are not served here",
    "feedback_keys": "LangSmith feedback keys are not served here",
    "langsmith_tracer": "the server chooses where runs are traced",
    "context": "the run context is the server's (its toolbox and job desk)",
}
CONFIG_KEYS = frozenset({"recursion_limit", "tags", "metadata", "configurable"})
CONFIGURABLE_KEYS = frozenset({"thread_id", "checkpoint_id", "checkpoint_ns"})


def _modes(body: dict[str, Any]) -> list[str]:
    modes = body.get("stream_mode") or ["values"]
    modes = [modes] if isinstance(modes, str) else list(modes)
    unknown = [m for m in modes if m not in STREAM_MODES]
    if unknown:
        raise InputError(
            f"stream_mode {', '.join(map(str, unknown))} is not served here; use "
            + ", ".join(STREAM_MODES)
        )
    return modes


def _config(body: dict[str, Any]) -> dict[str, Any]:
    config = body.get("config") or {}
    if not isinstance(config, dict):
        raise InputError("config must be an object")
    extra = sorted(set(config) - CONFIG_KEYS) + sorted(
        f"configurable.{key}" for key in set(config.get("configurable") or {}) - CONFIGURABLE_KEYS
    )
    if extra:
        raise InputError(f"config {', '.join(extra)} is not served here")
    return config


def _checkpoint_id(body: dict[str, Any], config: dict[str, Any]) -> str | None:
    """The checkpoint a run forks from (`checkpoint_id`, `checkpoint`, or the config's)."""
    checkpoint = body.get("checkpoint") or {}
    found = (
        body.get("checkpoint_id")
        or (checkpoint.get("checkpoint_id") if isinstance(checkpoint, dict) else None)
        or (config.get("configurable") or {}).get("checkpoint_id")
    )
    return str(found) if found else None


def _durability(body: dict[str, Any]) -> Durability:
    durability = body.get("durability")
    if durability is None:
        during = body.get("checkpoint_during")  # the older flag durability replaced
        return "async" if during is None or during else "exit"
    if durability not in ("sync", "async", "exit"):
        raise InputError("durability must be 'sync', 'async' or 'exit'")
    return cast(Durability, durability)


@dataclass(frozen=True)
class RunOptions:
    assistant_id: str
    input: Any
    command: dict[str, Any] | None
    metadata: dict[str, Any]
    stream_modes: list[str]
    multitask_strategy: MultitaskStrategy
    if_not_exists: Literal["create", "reject"]
    checkpoint_id: str | None
    durability: Durability
    recursion_limit: int
    tags: list[str]
    config: dict[str, Any]
    stream_subgraphs: bool
    stream_resumable: bool

    @classmethod
    def parse(cls, body: dict[str, Any]) -> RunOptions:
        for option, why in UNSERVED.items():
            value = body.get(option)
            if value not in (None, {}, [], 0, False):
                raise InputError(f"{option}: {why}")
        strategy = str(body.get("multitask_strategy") or "enqueue")
        if strategy not in ("reject", "enqueue"):
            raise InputError("multitask_strategy must be 'reject' or 'enqueue' here")
        config = _config(body)
        limit = int(config.get("recursion_limit") or RECURSION_LIMIT)
        if not 1 <= limit <= MAX_RECURSION_LIMIT:
            raise InputError(f"config.recursion_limit must be 1 to {MAX_RECURSION_LIMIT}")
        command = body.get("command")
        if command is not None and not isinstance(command, dict):
            raise InputError("command must be an object")
        return cls(
            assistant_id=str(body.get("assistant_id") or ""),
            input=body.get("input"),
            command=command,
            metadata={**(config.get("metadata") or {}), **(body.get("metadata") or {})},
            stream_modes=_modes(body),
            multitask_strategy=cast(MultitaskStrategy, strategy),
            if_not_exists="create" if body.get("if_not_exists") == "create" else "reject",
            checkpoint_id=_checkpoint_id(body, config),
            durability=_durability(body),
            recursion_limit=limit,
            tags=[str(tag) for tag in config.get("tags") or ()],
            config=config,
            stream_subgraphs=bool(body.get("stream_subgraphs")),
            stream_resumable=bool(body.get("stream_resumable")),
        )

    def kwargs(self, configurable: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        """The run's `kwargs` as langgraph-api shows them: what the run was asked to do."""
        if self.checkpoint_id:
            configurable = {**configurable, "checkpoint_id": self.checkpoint_id}
        return {
            "input": self.input,
            "command": self.command,
            "config": {**self.config, "configurable": configurable, "metadata": metadata},
            "context": {},
            "stream_mode": self.stream_modes,
            "interrupt_before": None,
            "interrupt_after": None,
            "webhook": None,
            "feedback_keys": None,
            "temporary": False,
            "subgraphs": self.stream_subgraphs,
            "resumable": self.stream_resumable,
            "checkpoint_during": self.durability != "exit",
            "durability": self.durability,
        }
