"""Replicate predictions API through the `replicate` SDK's async methods.

The SDK retries only idempotent GETs (on 429/503/504) and never a POST, so creates are
retried by our `with_retries` on statuses that mean "not accepted" (429, 503) only: a 500
or a timeout on create may have started a paid prediction, so those fail over instead.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
from replicate.client import Client as ReplicateClient
from replicate.exceptions import ReplicateError

from aistudio.errors import ProviderError
from aistudio.tools.video.catalog import CatalogEntry
from aistudio.tools.video.router import PollState

PROVIDER = "replicate"
_STATES: dict[str, PollState] = {
    "starting": PollState("queued"),
    "processing": PollState("running"),
}
_SDK_ERRORS = (ReplicateError, httpx.HTTPError, ValueError, KeyError)


def _as_provider_error(exc: Exception, what: str, *, create: bool = False) -> ProviderError:
    if isinstance(exc, ReplicateError):
        status = exc.status or 0
        transient = {429, 503} if create else {408, 429, 500, 502, 503, 504}
        detail = exc.detail or exc.title or "no detail"
        return ProviderError(
            f"{what} answered {status}: {detail[:300]}",
            provider=PROVIDER,
            status=status,
            retryable=status in transient,
        )
    if isinstance(exc, httpx.ConnectError):  # nothing reached the provider: safe to retry
        return ProviderError(
            f"{what} could not connect: {exc!r}", provider=PROVIDER, retryable=True
        )
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"{what} timed out", provider=PROVIDER, retryable=not create)
    if isinstance(exc, httpx.HTTPError):
        return ProviderError(f"{what} failed: {exc!r}", provider=PROVIDER, retryable=not create)
    return ProviderError(
        f"{what} sent an answer the SDK could not read: {exc!r}",
        provider=PROVIDER,
        retryable=not create,
    )


class ReplicateBackend:
    name = PROVIDER

    def __init__(self, token: str, *, base_url: str | None = None, timeout_s: float = 60.0) -> None:
        self._client = ReplicateClient(
            api_token=token,
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s, connect=10.0),
        )

    async def upload(self, data: bytes, mime: str, file_name: str) -> str:
        try:
            file = await self._client.files.async_create(
                io.BytesIO(data), filename=file_name, content_type=mime
            )
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, "file upload", create=True) from exc
        return str(file.urls["get"])

    async def submit(
        self, entry: CatalogEntry, payload: dict[str, Any], *, webhook_url: str | None = None
    ) -> str:
        hook: dict[str, Any] = {}
        if webhook_url:
            hook = {"webhook": webhook_url, "webhook_events_filter": ["completed"]}
        try:
            prediction = await self._client.models.predictions.async_create(
                model=entry.model, input=payload, **hook
            )
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"create {entry.model}", create=True) from exc
        return str(prediction.id)

    async def poll(self, entry: CatalogEntry, request_id: str) -> PollState:
        try:
            prediction = await self._client.predictions.async_get(request_id)
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"get {request_id}") from exc
        if prediction.status in _STATES:
            return _STATES[prediction.status]
        if prediction.status == "succeeded":
            return PollState("succeeded", output=prediction.output)
        if prediction.status == "canceled":
            return PollState("canceled", error="the prediction was cancelled")
        return PollState("failed", error=str(prediction.error or "failed")[:500])

    async def cancel(self, entry: CatalogEntry, request_id: str) -> None:
        try:
            await self._client.predictions.async_cancel(request_id)
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"cancel {request_id}") from exc
