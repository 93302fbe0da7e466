"""fal.ai queue API through `fal-client`'s AsyncClient.

fal-client hard-codes https hosts in module globals (read at call time; the host env vars
are read once at import): pointing it elsewhere (a self-hosted gateway, or a loopback fake
in tests) means setting those globals, which `FalBackend` does from settings when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fal_client
import httpx
from fal_client import client as fal_wire

from aistudio.errors import ProviderError
from aistudio.tools.video.catalog import CatalogEntry
from aistudio.tools.video.router import PollState

PROVIDER = "fal"


@dataclass(frozen=True)
class FalEndpoints:
    """Overrides for fal's hosts, e.g. "http://127.0.0.1:8123" (no trailing slash)."""

    queue: str
    rest: str
    cdn: str


def point_sdk_at(endpoints: FalEndpoints) -> None:
    fal_wire.QUEUE_URL_FORMAT = endpoints.queue.rstrip("/") + "/"
    fal_wire.RUN_URL_FORMAT = endpoints.queue.rstrip("/") + "/"
    fal_wire.REST_URL = endpoints.rest.rstrip("/")
    fal_wire.CDN_URL = endpoints.cdn.rstrip("/")


def _as_provider_error(exc: Exception, what: str) -> ProviderError:
    if isinstance(exc, fal_client.FalClientHTTPError):
        status = exc.status_code
        # fal-client already retried 408/409/429 and ingress 502-504 ten times; what
        # reaches us is worth another round only when it is transient.
        retryable = status in (408, 409, 429) or status >= 500
        return ProviderError(
            f"{what} answered {status}: {str(exc.message)[:300]}",
            provider=PROVIDER,
            status=status,
            retryable=retryable,
        )
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"{what} timed out", provider=PROVIDER, retryable=True)
    if isinstance(exc, httpx.TransportError):
        return ProviderError(
            f"{what} could not connect: {exc!r}", provider=PROVIDER, retryable=True
        )
    # KeyError / ValueError / JSON errors: the SDK could not read the answer (malformed
    # body, unknown status such as FAILED); a retry of a read is harmless.
    return ProviderError(
        f"{what} sent an answer the SDK could not read: {exc!r}", provider=PROVIDER, retryable=True
    )


_SDK_ERRORS = (fal_client.FalClientHTTPError, httpx.HTTPError, KeyError, ValueError)


class FalBackend:
    name = PROVIDER

    def __init__(
        self, key: str, *, endpoints: FalEndpoints | None = None, timeout_s: float = 60.0
    ) -> None:
        if endpoints is not None:
            point_sdk_at(endpoints)
        self._client = fal_client.AsyncClient(key=key, default_timeout=timeout_s)

    async def upload(self, data: bytes, mime: str, file_name: str) -> str:
        try:
            return await self._client.upload(data, mime, file_name)
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, "upload") from exc

    async def submit(
        self, entry: CatalogEntry, payload: dict[str, Any], *, webhook_url: str | None = None
    ) -> str:
        try:
            handle = await self._client.submit(entry.model, payload, webhook_url=webhook_url)
        except _SDK_ERRORS as exc:
            error = _as_provider_error(exc, f"submit {entry.model}")
            # A timed-out submit may have been accepted: don't resubmit blindly, fail over.
            if isinstance(exc, httpx.TimeoutException):
                error.retryable = False
            raise error from exc
        return handle.request_id

    async def poll(self, entry: CatalogEntry, request_id: str) -> PollState:
        try:
            handle = await self._client.get_handle(entry.model, request_id)
            status = await handle.status(with_logs=False)
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"status {request_id}") from exc
        if isinstance(status, fal_client.Queued):
            return PollState("queued", queue_position=status.position)
        if isinstance(status, fal_client.InProgress):
            return PollState("running")
        if isinstance(status, fal_client.Completed) and status.error:
            return PollState("failed", error=f"{status.error_type or 'error'}: {status.error}")
        try:
            result = await self._client.result(entry.model, request_id)
        except fal_client.FalClientHTTPError as exc:
            if 400 <= exc.status_code < 500 and exc.status_code not in (408, 409, 429):
                # The app failed: the result endpoint carries its reason in `detail`.
                return PollState("failed", error=str(exc.message)[:500])
            raise _as_provider_error(exc, f"result {request_id}") from exc
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"result {request_id}") from exc
        return PollState("succeeded", output=result)

    async def cancel(self, entry: CatalogEntry, request_id: str) -> None:
        try:
            handle = await self._client.get_handle(entry.model, request_id)
            await handle.cancel()
        except _SDK_ERRORS as exc:
            raise _as_provider_error(exc, f"cancel {request_id}") from exc
