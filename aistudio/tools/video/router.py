"""One hosted provider's calls for every kind of catalog model (video, image edit, cut-out).

The hosted video provider, the hosted image editor and the background remover all talk to
fal / Replicate the same way, so they share this router:

* **submit with failover**: the first model of a list that accepts the request gets it; a
  model that is down or refuses the input fails over to the next, and the job records why.
  The request id is remembered in storage the moment the provider accepts it, so a caller
  re-run after a crash recalls it instead of paying again (DESIGN §4);
* **wait**: the webhook inbox first, then polling with backoff (never a fixed loop) until
  the request succeeds, fails or passes its deadline (then it is cancelled);
* **download** at once (provider URLs expire), with a size cap.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import httpx

from aistudio.artifacts import FirstFrame, ProviderJob
from aistudio.errors import ProviderError
from aistudio.tools.protocols import Storage
from aistudio.tools.video.catalog import Catalog, CatalogEntry, media_url

log = logging.getLogger("aistudio.video")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class PollState:
    state: Literal["queued", "running", "succeeded", "failed", "canceled"]
    output: Any = None
    error: str | None = None
    queue_position: int | None = None


class ProviderBackend(Protocol):
    """One provider's wire, through its SDK. Errors are ProviderError(retryable=...)."""

    name: str

    async def upload(self, data: bytes, mime: str, file_name: str) -> str: ...

    async def submit(
        self, entry: CatalogEntry, payload: dict[str, Any], *, webhook_url: str | None = None
    ) -> str: ...

    async def poll(self, entry: CatalogEntry, request_id: str) -> PollState: ...

    async def cancel(self, entry: CatalogEntry, request_id: str) -> None: ...


class Inbox(Protocol):
    """Outcomes the provider's webhooks delivered (see aistudio.tools.video.webhooks)."""

    async def take(self, provider: str, request_id: str) -> PollState | None: ...


@dataclass(frozen=True)
class HostedPolicy:
    attempts: int = 6  # per call, on retryable errors (429, 5xx, timeouts)
    backoff_s: float = 0.5
    max_backoff_s: float = 20.0
    poll_initial_s: float = 1.0
    poll_max_s: float = 15.0
    deadline_s: float = 900.0  # per request, from the start of its wait
    call_timeout_s: float = 60.0  # per request attempt
    max_clip_bytes: int = 200 * 1024 * 1024  # any downloaded media


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    policy: HostedPolicy,
    sleep: Sleep,
    provider: str,
    retry_timeouts: bool = True,
) -> T:
    """Retry a provider call on retryable errors with jittered exponential backoff (the
    provider's Retry-After wins when it sent one). Each attempt has its own deadline: the
    SDKs' own read timeouts are minutes long. A timed-out *submit* is not retried
    (`retry_timeouts=False`): the provider may have accepted it, so the caller fails over."""
    for attempt in range(1, policy.attempts + 1):
        try:
            async with asyncio.timeout(policy.call_timeout_s):
                return await call()
        except TimeoutError:
            error = ProviderError(
                f"{what} timed out after {policy.call_timeout_s:.0f}s",
                provider=provider,
                retryable=retry_timeouts,
            )
        except ProviderError as exc:
            error = exc
        if not error.retryable or attempt == policy.attempts:
            raise error
        delay = (
            error.retry_after_s
            if error.retry_after_s is not None
            else min(policy.max_backoff_s, policy.backoff_s * 2 ** (attempt - 1))
            * random.uniform(0.5, 1.5)
        )  # jitter, not security
        log.warning(
            "%s failed (%s), attempt %d/%d, retrying in %.2fs",
            what,
            error,
            attempt,
            policy.attempts,
            delay,
        )
        await sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises


Price = Callable[[CatalogEntry], float | None]


class HostedRouter:
    def __init__(
        self,
        backend: ProviderBackend,
        catalog: Catalog,
        storage: Storage,
        *,
        policy: HostedPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        inbox: Inbox | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.backend = backend
        self.name = backend.name
        self.catalog = catalog
        self.storage = storage
        self.policy = policy or HostedPolicy()
        self.sleep = sleep
        # With both, the provider calls our server when a request ends and a wait stops
        # polling; polling remains the fallback for a webhook that never comes.
        self.inbox = inbox
        self.webhook_url = webhook_url

    async def call(self, fn: Callable[[], Awaitable[T]], what: str) -> T:
        return await with_retries(
            fn, what=f"{self.name} {what}", policy=self.policy, sleep=self.sleep, provider=self.name
        )

    async def upload(self, data: bytes, mime: str, file_name: str) -> str:
        return await self.call(lambda: self.backend.upload(data, mime, file_name), "upload")

    async def recall(self, memo: str) -> ProviderJob | None:
        """The request a submit with this memo key already made (a re-run after a crash)."""
        accepted = await self.storage.recall(memo)
        if accepted is None:
            return None
        return ProviderJob.model_validate_json(await self.storage.read_bytes(accepted))

    async def submit_first(
        self,
        memo: str,
        attempts: Sequence[tuple[CatalogEntry, dict[str, Any]]],
        *,
        shot_index: int,
        price: Price,
        what: str,
        notes: Sequence[str] = (),
        first_frame: FirstFrame | None = None,
    ) -> ProviderJob:
        """Submit each (model, payload) in turn until one is accepted; remember it at once."""
        tried = list(notes)
        for entry, payload in attempts:
            try:
                request_id = await with_retries(
                    functools.partial(
                        self.backend.submit, entry, payload, webhook_url=self.webhook_url
                    ),
                    what=f"{self.name} submit {entry.id}",
                    policy=self.policy,
                    sleep=self.sleep,
                    provider=self.name,
                    retry_timeouts=False,
                )
            except ProviderError as exc:
                tried.append(f"{entry.id} failed over: {exc}")
                log.warning("%s: %s refused or down (%s); failing over", what, entry.id, exc)
                continue
            job = ProviderJob(
                provider=self.name,
                model=entry.id,
                request_id=request_id,
                shot_index=shot_index,
                cost_usd=price(entry) or 0.0,
                notes=tuple(tried),
                kind=entry.kind,
                first_frame=first_frame,
            )
            # The only duplicate-payment window: accepted by the provider, not yet stored.
            asset = await self.storage.put_bytes(
                job.model_dump_json().encode(), kind="plan", mime="application/json", ext="json"
            )
            await self.storage.remember(memo, asset)
            return job
        raise ProviderError(
            f"no configured model could take {what}: {'; '.join(tried) or 'none configured'}",
            provider=self.name,
        )

    async def wait(self, job: ProviderJob) -> PollState:
        """The request's final state: from the webhook inbox, else by polling."""
        entry = self.catalog.get(job.model)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.deadline_s
        delay = self.policy.poll_initial_s
        while True:
            if (
                self.inbox is not None
                and (told := await self.inbox.take(self.name, job.request_id)) is not None
            ):
                return told
            state = await self.call(
                lambda: self.backend.poll(entry, job.request_id), f"status {job.request_id}"
            )
            if state.state in ("succeeded", "failed", "canceled"):
                return state
            if loop.time() + delay > deadline:
                await self.cancel(job)
                raise ProviderError(
                    f"{entry.id} request {job.request_id} did not finish within "
                    f"{self.policy.deadline_s:.0f}s (last: {state.state})",
                    provider=self.name,
                )
            await self.sleep(delay)
            delay = min(self.policy.poll_max_s, delay * 1.6)

    async def result_url(self, job: ProviderJob, what: str) -> str:
        """Wait for the request; the media URL of its output, or its failure as an error."""
        entry = self.catalog.get(job.model)
        state = await self.wait(job)
        if state.state != "succeeded":
            reason = state.error or state.state
            raise ProviderError(f"{entry.id} {what} {state.state}: {reason}", provider=self.name)
        return media_url(entry, state.output, provider=self.name)

    async def _download_once(self, url: str) -> bytes:
        limit = self.policy.max_clip_bytes
        timeout = httpx.Timeout(120.0, connect=10.0)
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code >= 400:
                    raise ProviderError(
                        f"download answered {response.status_code}",
                        provider=self.name,
                        status=response.status_code,
                        retryable=response.status_code in (408, 429) or response.status_code >= 500,
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ProviderError(
                            f"the download is larger than {limit} bytes", provider=self.name
                        )
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"download failed: {exc!r}", provider=self.name, retryable=True
            ) from exc
        return b"".join(chunks)

    async def download(self, url: str) -> bytes:
        return await self.call(lambda: self._download_once(url), "download")

    async def cancel(self, job: ProviderJob) -> None:
        entry = self.catalog.get(job.model)
        try:
            await self.backend.cancel(entry, job.request_id)
        except ProviderError as exc:  # already finished, or the provider is down: log it
            log.warning("cancelling %s %s: %s", entry.id, job.request_id, exc)
