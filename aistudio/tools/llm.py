"""The OpenAI-compatible clients (chat models for the agents, the raw async SDK for
moderation and speech) and the one mapping of their errors onto `ProviderError`.

Works against OpenAI, Ollama and vLLM alike: everything comes from `settings.llm` and
`settings.openai_api_key`; nothing is read from the environment here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from aistudio.errors import ProviderError
from aistudio.settings import Settings

if TYPE_CHECKING:  # the SDKs load on first use: ~1.5 s the offline path never pays
    import openai
    from langchain_core.language_models import BaseChatModel
    from langchain_openai import ChatOpenAI

# Local servers (Ollama, vLLM) ignore the key, but both SDKs refuse to start without one.
PLACEHOLDER_KEY = "unused"
# The SDK's own rule (shared/reference/providers.md §1): these statuses are worth another try.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


def llm_configured(settings: Settings) -> bool:
    """Whether the agents run on a chat model: an OpenAI key or a compatible base URL."""
    return settings.openai_api_key is not None or bool(settings.llm.base_url)


def api_key(settings: Settings) -> str:
    if settings.openai_api_key is not None:
        return settings.openai_api_key.get_secret_value()
    return PLACEHOLDER_KEY


def model_for(settings: Settings, agent: str) -> str:
    return settings.llm.agent_models.get(agent, settings.llm.model)


def make_chat_model(settings: Settings, agent: str, *, conversational: bool = False) -> ChatOpenAI:
    """The chat model of one agent (per-agent model overrides in `llm.agent_models`).

    Only a conversational model (the brief agent) streams its tokens. The planning agents'
    answers are JSON for the program: never streamed, and tagged so a graph's `messages`
    stream leaves them out (run inside the brief agent's preview tool, they would otherwise
    reach the chat as if the assistant had said them)."""
    from langchain_openai import ChatOpenAI
    from langgraph.constants import TAG_NOSTREAM

    llm = settings.llm
    return ChatOpenAI(
        model=model_for(settings, agent),
        base_url=llm.base_url,
        api_key=SecretStr(api_key(settings)),
        # ChatOpenAI's default is NO timeout at all (not the SDK's 600 s): always pass one.
        timeout=llm.timeout_s,
        max_retries=llm.max_retries,
        temperature=llm.temperature,
        # Pinned: some model names and kwargs silently switch ChatOpenAI to /v1/responses,
        # which OpenAI-compatible servers (Ollama, vLLM) do not serve.
        use_responses_api=False,
        disable_streaming=not conversational,
        tags=None if conversational else [TAG_NOSTREAM],
    )


def make_async_client(settings: Settings) -> openai.AsyncOpenAI:
    """The raw async SDK (moderations, speech): same endpoint, key, timeout and retries."""
    import openai

    llm = settings.llm
    return openai.AsyncOpenAI(
        api_key=api_key(settings),
        base_url=llm.base_url,
        timeout=llm.timeout_s,
        max_retries=llm.max_retries,
    )


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000.0
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:  # an HTTP-date: leave the backoff to the caller
        return None
    return None


def provider_error(exc: openai.OpenAIError, provider: str = "openai") -> ProviderError:
    """One `ProviderError` for any SDK failure, retryable exactly when the SDK would retry
    (so the graph's RetryPolicy and the SDK agree on what is transient)."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        status = exc.response.status_code
        should = exc.response.headers.get("x-should-retry")
        retryable = (
            should == "true"
            if should in ("true", "false")
            else status in RETRYABLE_STATUSES or status >= 500
        )
        return ProviderError(
            exc.message,
            provider=provider,
            status=status,
            retryable=retryable,
            retry_after_s=_retry_after(exc),
        )
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return ProviderError(str(exc) or type(exc).__name__, provider=provider, retryable=True)
    # Response validation and other client-side SDK errors: the same call would fail again.
    return ProviderError(str(exc) or type(exc).__name__, provider=provider, retryable=False)


def make_brief_chat_model(settings: Settings) -> BaseChatModel:
    """The brief agent's chat model: the configured OpenAI-compatible model (agent name
    "brief" in `llm.agent_models`), else the offline grammar model. Either is bound to the
    brief tools by the chat node and streams its tokens."""
    if not llm_configured(settings):
        from aistudio.tools.chat.offline import OfflineChatModel

        return OfflineChatModel()
    return make_chat_model(settings, "brief", conversational=True)
