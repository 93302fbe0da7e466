"""Webhooks from the video providers: a finished request is announced, so the job's await
stops polling. No API key (the provider calls us); the provider's signature is the auth."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.params import FromPath

from aistudio.errors import NotFound, ProviderError
from aistudio.server.deps import Service
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.settings import Settings
from aistudio.tools.video.webhooks import (
    FalWebhookVerifier,
    ProviderEvent,
    WebhookInbox,
    parse_fal_event,
    parse_replicate_event,
    verify_replicate,
)

MAX_JWKS_BYTES = 64 * 1024


def fal_verifier(settings: Settings, client: httpx.AsyncClient) -> FalWebhookVerifier:
    """fal's public keys, fetched from the configured JWKS URL (cached by the verifier)."""

    async def fetch() -> dict[str, Any]:
        try:
            response = await client.get(settings.providers.fal_jwks_url, timeout=10.0)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"cannot fetch fal's webhook keys: {exc!r}", provider="fal", retryable=True
            ) from exc
        if len(response.content) > MAX_JWKS_BYTES:
            raise ProviderError("fal's webhook key set is implausibly large", provider="fal")
        keys: dict[str, Any] = response.json()
        return keys

    return FalWebhookVerifier(fetch)


class ProviderWebhookController(Controller):
    path = "/providers"
    tags = ["providers"]  # noqa: RUF012 - Litestar reads it

    @post(
        "/{provider:str}/webhook",
        status_code=204,
        security=[],
        summary="A provider announces a finished request (signature-verified)",
        opt={PROBLEMS_OPT: (422,)},
    )
    async def webhook(
        self,
        provider: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        service: Service,
    ) -> None:
        body = await request.body()
        headers = dict(request.headers)
        event: ProviderEvent | None
        if provider == "fal":
            verifier: FalWebhookVerifier = state.fal_verifier
            await verifier.verify(headers, body)
            event = parse_fal_event(body)
        elif provider == "replicate":
            secret = service.settings.providers.replicate_webhook_secret
            if secret is None:  # not configured: as if the route did not exist
                raise NotFound("no such webhook")
            verify_replicate(secret.get_secret_value(), headers, body)
            event = parse_replicate_event(body)
        else:
            raise NotFound("no such webhook")
        if event is not None:
            await WebhookInbox(service.toolbox.storage).deliver(event)
