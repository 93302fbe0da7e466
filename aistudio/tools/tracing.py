"""LangSmith tracing: every graph run named and tagged, and nothing secret leaves the process.

Off unless the standard variables turn it on (`LANGSMITH_TRACING=true` and
`LANGSMITH_API_KEY`; `LANGSMITH_ENDPOINT` and `LANGSMITH_PROJECT` as usual). One LangSmith
client per process sends runs in the background; each graph run gets a tracer of its own
through its config, so LangChain's environment-built default tracer (which would send
inputs unscrubbed) is never added.

Every input, output, error and metadata value passes `scrub` first: API keys and bearer
tokens, the query of signed links, and base64 payloads (photos in chat messages, data:
URLs) are replaced by a short marker before they are serialised for upload.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig

from aistudio.settings import Settings

REDACTED = "[redacted]"

# Dict keys whose values are credentials whatever they look like (not "max_tokens" or
# "input_tokens": token counts are worth keeping in a trace).
_SECRET_KEYS = re.compile(
    r"^(x-)?(api[_-]?key|apikey|authorization|password|cookie|set-cookie|signature|sig"
    r"|(access|refresh|id|auth|bearer)?[_-]?token)$|secret|credential",
    re.IGNORECASE,
)
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?;base64,[A-Za-z0-9+/=\s]+")
# A long unbroken run of base64 alphabet: an inline photo, audio or file.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{200,}={0,2}")
_KEY_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"),  # OpenAI
    re.compile(r"\bais_[A-Za-z0-9_-]{8,}"),  # this service's API keys
    re.compile(r"\br8_[A-Za-z0-9]{16,}"),  # Replicate
    re.compile(r"\blsv2_[A-Za-z0-9_]{16,}"),  # LangSmith
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    re.compile(r"(?i)\bbearer\s+(?=\S*\d)[A-Za-z0-9._~+/:=-]{12,}"),
)
# The credential part of a signed link: ours (sig, expires), S3/Supabase, generic tokens.
_SIGNED_QUERY = re.compile(
    r"([?&](?:sig|expires|token|signature|x-amz-[a-z-]+|se|sp|sv|sr|st)=)[^&\s\"'#]+",
    re.IGNORECASE,
)


def scrub_text(text: str) -> str:
    text = _DATA_URL.sub(lambda m: f"data:{m.group(1) or ''};base64,{REDACTED}", text)
    text = _BASE64_RUN.sub(f"[base64 {REDACTED}]", text)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _SIGNED_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


def scrub(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings, numbers) with every secret replaced."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and _SECRET_KEYS.search(key) and item
            else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


@dataclass(frozen=True)
class RunLabels:
    """What a trace is filed under: the graph, the job or chat thread, tenant and kind."""

    graph: str  # "video", "planning", "brief"
    job_id: str | None = None
    thread_id: str | None = None
    tenant: str | None = None
    kind: str | None = None

    def tags(self) -> list[str]:
        pairs = (
            ("graph", self.graph),
            ("job", self.job_id),
            ("thread", self.thread_id),
            ("tenant", self.tenant),
            ("kind", self.kind),
        )
        return [f"{name}:{value}" for name, value in pairs if value]

    def metadata(self) -> dict[str, str]:
        fields = {
            "graph": self.graph,
            "job_id": self.job_id,
            "thread_id": self.thread_id,
            "tenant": self.tenant,
            "kind": self.kind,
        }
        return {name: value for name, value in fields.items() if value}


class Tracing:
    """The process's LangSmith connection, or nothing when tracing is off."""

    def __init__(self, settings: Settings) -> None:
        self.project = settings.langsmith_project
        self.endpoint = settings.langsmith_endpoint
        self._client: Any = None
        if settings.tracing_enabled and settings.langsmith_api_key is not None:
            # Imported only when tracing is on; the SDK's client sends from its own thread.
            from langsmith import Client

            self._client = Client(
                api_url=settings.langsmith_endpoint,
                api_key=settings.langsmith_api_key.get_secret_value(),
                anonymizer=scrub,
                omit_traced_runtime_info=True,
            )

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def config(self, labels: RunLabels) -> RunnableConfig:
        """Config for one graph run: its name, tags and metadata (useful in Studio and logs
        even untraced) and, when tracing, a tracer of its own."""
        config = RunnableConfig(
            run_name=f"aistudio.{labels.graph}",
            tags=labels.tags(),
            metadata=labels.metadata(),
        )
        if self._client is not None:
            from langchain_core.tracers.langchain import LangChainTracer

            config["callbacks"] = [LangChainTracer(project_name=self.project, client=self._client)]
        return config

    async def flush(self) -> None:
        """Wait until every finished run has been sent (at the end of a job or a process)."""
        if self._client is not None:
            await asyncio.to_thread(self._client.flush)
