"""Image-to-video on hosted models (fal, Replicate) behind the VideoProvider protocol.

Submit: the shot's keyframe (the local compositor's product-on-backdrop frame, cropped to
the target aspect) is uploaded and sent with the shot's prompt to the first configured
model that can make the shot (duration, aspect, faces); a model that is down or rejects the
input fails over to the next, and the job records why. The request id is remembered in
storage the moment the provider accepts it, so a submit node re-run after a crash finds it
instead of paying again; the graph then checkpoints it (DESIGN §4).

Await: polls that request with backoff (never a fixed loop) until it succeeds, fails or
passes its deadline, then downloads the clip at once (provider URLs expire) into storage.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import httpx
from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    ProductProfile,
    ProviderJob,
    RenderPlan,
    ShotRender,
    ShotVisual,
)
from aistudio.errors import ProviderError
from aistudio.tools.protocols import Storage
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.video.catalog import (
    Catalog,
    CatalogEntry,
    build_payload,
    estimate_cost,
    media_url,
    shot_problems,
)

log = logging.getLogger("aistudio.video")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
UPLOAD_LONG_SIDE = 1280  # 720p-class first frame: what the models render at by default
NEGATIVE_PROMPT = "distorted label, changed logo, warped text, extra products, blurry, watermark"


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
    deadline_s: float = 900.0  # per shot, from the start of await
    call_timeout_s: float = 60.0  # per request attempt
    max_clip_bytes: int = 200 * 1024 * 1024


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


def first_frame_jpeg(keyframe: Image.Image, aspect: AspectRatio) -> bytes:
    """The keyframe centre-cropped to the output frame (keyframes carry motion headroom)
    and scaled to the upload size."""
    width, height = ASPECT_SIZES[aspect]
    scale = min(keyframe.width / width, keyframe.height / height)
    crop_w, crop_h = round(width * scale), round(height * scale)
    left, top = (keyframe.width - crop_w) // 2, (keyframe.height - crop_h) // 2
    frame = keyframe.convert("RGB").crop((left, top, left + crop_w, top + crop_h))
    factor = UPLOAD_LONG_SIDE / max(width, height)
    frame = frame.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _looks_like_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


class HostedVideoProvider:
    def __init__(
        self,
        backend: ProviderBackend,
        catalog: Catalog,
        models_by_kind: Mapping[str, Sequence[str]],
        storage: Storage,
        keyframes: LocalVideoProvider,
        *,
        policy: HostedPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        inbox: Inbox | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.backend = backend
        self.name = backend.name
        self.catalog = catalog
        # Resolved now, so a misspelt model id fails at start-up, not mid-job.
        self.models_by_kind = {
            kind: [catalog.get(m) for m in ids] for kind, ids in models_by_kind.items()
        }
        self.storage = storage
        self.keyframes = keyframes
        self.policy = policy or HostedPolicy()
        self.sleep = sleep
        # With both, the provider calls our server when a request ends and await stops
        # polling; polling remains the fallback for a webhook that never comes.
        self.inbox = inbox
        self.webhook_url = webhook_url

    async def _upload_first_frame(
        self, shot: ShotRender, plan: RenderPlan, product: ProductProfile, aspect: AspectRatio
    ) -> str:
        keyframe = await self.keyframes.keyframe(shot, plan, product, aspect)
        path = await self.storage.path_of(keyframe)

        def encode() -> bytes:
            with Image.open(path) as image:
                return first_frame_jpeg(image, aspect)

        data = await asyncio.to_thread(encode)
        return await with_retries(
            lambda: self.backend.upload(data, "image/jpeg", f"shot{shot.shot_index}.jpg"),
            what=f"{self.name} upload",
            policy=self.policy,
            sleep=self.sleep,
            provider=self.name,
        )

    async def submit(
        self, job_id: str, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> ProviderJob:
        aspect = plan.aspect_ratios[0]  # other aspects are cropped from it in compose
        entries = self.models_by_kind.get(plan.kind)
        if not entries:
            raise ProviderError(
                f"no video models configured for {plan.kind} jobs", provider=self.name
            )
        fingerprint = hashlib.sha256(
            f"{job_id}|{shot.model_dump_json()}|{aspect}|{[e.id for e in entries]}".encode()
        ).hexdigest()
        memo = f"hosted-submit:{self.name}:{fingerprint}"
        if (accepted := await self.storage.recall(memo)) is not None:
            job = ProviderJob.model_validate_json(await self.storage.read_bytes(accepted))
            log.info(
                "shot %d already accepted as %s; not submitting again",
                shot.shot_index,
                job.request_id,
            )
            return job
        notes: list[str] = []
        image_url: str | None = None
        for entry in entries:
            # Our first frame is product-on-backdrop: it never holds a person.
            if problems := shot_problems(entry, shot.duration_s, aspect, people_in_shot=False):
                notes.extend(problems)
                continue
            if image_url is None:
                image_url = await self._upload_first_frame(shot, plan, product, aspect)
            payload = build_payload(
                entry,
                prompt=shot.prompt,
                image_url=image_url,
                duration_s=shot.duration_s,
                aspect=aspect,
                seed=shot.seed,
                negative_prompt=NEGATIVE_PROMPT,
            )
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
                notes.append(f"{entry.id} failed over: {exc}")
                log.warning(
                    "shot %d: %s refused or down (%s); failing over", shot.shot_index, entry.id, exc
                )
                continue
            job = ProviderJob(
                provider=self.name,
                model=entry.id,
                request_id=request_id,
                shot_index=shot.shot_index,
                cost_usd=estimate_cost(entry, shot.duration_s) or 0.0,
                notes=tuple(notes),
            )
            asset = await self.storage.put_bytes(
                job.model_dump_json().encode(), kind="plan", mime="application/json", ext="json"
            )
            await self.storage.remember(memo, asset)
            return job
        raise ProviderError(
            f"no configured model could take shot {shot.shot_index + 1}: {'; '.join(notes)}",
            provider=self.name,
        )

    async def _wait(self, entry: CatalogEntry, job: ProviderJob) -> PollState:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.deadline_s
        delay = self.policy.poll_initial_s
        while True:
            if (
                self.inbox is not None
                and (told := await self.inbox.take(self.name, job.request_id)) is not None
            ):
                return told
            state = await with_retries(
                lambda: self.backend.poll(entry, job.request_id),
                what=f"{self.name} status {job.request_id}",
                policy=self.policy,
                sleep=self.sleep,
                provider=self.name,
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

    async def _download(self, url: str) -> bytes:
        limit = self.policy.max_clip_bytes
        timeout = httpx.Timeout(120.0, connect=10.0)
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code >= 400:
                    raise ProviderError(
                        f"clip download answered {response.status_code}",
                        provider=self.name,
                        status=response.status_code,
                        retryable=response.status_code in (408, 429) or response.status_code >= 500,
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ProviderError(
                            f"clip is larger than {limit} bytes", provider=self.name
                        )
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"clip download failed: {exc!r}", provider=self.name, retryable=True
            ) from exc
        return b"".join(chunks)

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]:
        entry = self.catalog.get(job.model)
        state = await self._wait(entry, job)
        if state.state != "succeeded":
            reason = state.error or state.state
            raise ProviderError(
                f"{entry.id} shot {shot.shot_index + 1} {state.state}: {reason}", provider=self.name
            )
        url = media_url(entry, state.output, provider=self.name)
        data = await with_retries(
            lambda: self._download(url),
            what=f"{self.name} download",
            policy=self.policy,
            sleep=self.sleep,
            provider=self.name,
        )
        if not _looks_like_mp4(data[:16]):
            raise ProviderError(
                f"{entry.id} returned something that is not an MP4", provider=self.name
            )
        clip = await self.storage.put_bytes(data, kind="clip", mime="video/mp4", ext="mp4")
        # One clip serves every aspect: compose scales and crops it to each frame.
        return [
            ShotVisual(shot_index=shot.shot_index, aspect=aspect, asset=clip, is_still=False)
            for aspect in plan.aspect_ratios
        ]

    def estimate(self, shot: ShotRender, plan: RenderPlan) -> tuple[str, float | None]:
        """The first model that can take the shot (the one submit tries first) and its price."""
        aspect = plan.aspect_ratios[0]
        for entry in self.models_by_kind.get(plan.kind, []):
            if not shot_problems(entry, shot.duration_s, aspect, people_in_shot=False):
                return entry.id, estimate_cost(entry, shot.duration_s)
        raise ProviderError(
            f"no configured model can take shot {shot.shot_index + 1}", provider=self.name
        )

    async def cancel(self, job: ProviderJob) -> None:
        entry = self.catalog.get(job.model)
        try:
            await self.backend.cancel(entry, job.request_id)
        except ProviderError as exc:  # already finished, or the provider is down: log it
            log.warning("cancelling %s %s: %s", entry.id, job.request_id, exc)
