"""Is a configured provider there? One cheap authenticated request per provider, for
`aistudio doctor`. Any HTTP answer proves the host is reachable; the status says whether
the credentials were accepted."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from aistudio.settings import Settings

FAL_QUEUE = "https://queue.fal.run"
REPLICATE_API = "https://api.replicate.com"
OPENAI_API = "https://api.openai.com/v1"


@dataclass(frozen=True)
class ProviderProbe:
    name: str  # what it is for, e.g. "video: fal"
    url: str
    headers: dict[str, str]


def configured_providers(settings: Settings) -> list[ProviderProbe]:
    """The hosted providers these settings would use (none on the embedded default)."""
    probes: list[ProviderProbe] = []
    p = settings.providers
    for use, provider in (("video", settings.video_provider), ("image", settings.image_provider)):
        if provider == "fal" and settings.fal_key is not None:
            base = (p.fal_queue_url or FAL_QUEUE).rstrip("/")
            key = settings.fal_key.get_secret_value()
            probes.append(
                ProviderProbe(
                    f"{use}: fal",
                    f"{base}/fal-ai/wan/requests/doctor/status",
                    {"Authorization": f"Key {key}"},
                )
            )
        if provider == "replicate" and settings.replicate_api_token is not None:
            base = (p.replicate_base_url or REPLICATE_API).rstrip("/")
            token = settings.replicate_api_token.get_secret_value()
            probes.append(
                ProviderProbe(
                    f"{use}: replicate",
                    f"{base}/v1/account",
                    {"Authorization": f"Bearer {token}"},
                )
            )
    if settings.openai_api_key is not None or settings.llm.base_url:
        base = (settings.llm.base_url or OPENAI_API).rstrip("/")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        probes.append(
            ProviderProbe(
                f"llm: {settings.llm.model}",
                f"{base}/models",
                {"Authorization": f"Bearer {key}"} if key else {},
            )
        )
    if settings.storage_backend == "supabase" and settings.supabase.url:
        key = settings.supabase_key.get_secret_value() if settings.supabase_key else ""
        probes.append(
            ProviderProbe(
                "storage: supabase",
                f"{settings.supabase.url.rstrip('/')}/storage/v1/bucket/{settings.supabase.bucket}",
                {"apiKey": key, "Authorization": f"Bearer {key}"},
            )
        )
    if settings.tracing_enabled and settings.langsmith_api_key is not None:
        probes.append(
            ProviderProbe(
                f"tracing: LangSmith project {settings.langsmith_project}",
                f"{settings.langsmith_endpoint.rstrip('/')}/sessions?limit=1",
                {"x-api-key": settings.langsmith_api_key.get_secret_value()},
            )
        )
    return probes


def tracing_status(settings: Settings) -> str | None:
    """Why LangSmith tracing is off, for doctor; None when it is on (then it is probed)."""
    if settings.tracing_enabled:
        return None
    if settings.langsmith_tracing:
        return "off: LANGSMITH_TRACING is set but LANGSMITH_API_KEY is missing"
    return "off (set LANGSMITH_TRACING=true and LANGSMITH_API_KEY to trace runs)"


async def reach(probe: ProviderProbe, timeout_s: float = 5.0) -> str:
    """A one-line verdict; raises httpx.HTTPError when nothing answered."""
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        response = await client.get(probe.url, headers=probe.headers)
    if response.status_code in (401, 403):
        return f"reachable, but the credentials were refused (HTTP {response.status_code})"
    return f"reachable (HTTP {response.status_code})"
