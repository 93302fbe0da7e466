"""Outgoing webhooks, Standard Webhooks style (https://www.standardwebhooks.com).

Receivers check `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`
with the key inside our `whsec_<base64>` secret, reject stale timestamps (replays) and dedupe
on `webhook-id` -- which is why every retry of one event keeps the id and body, while the
timestamp (and so the signature) is fresh per attempt, or a late retry would look stale.

Targets pass the same SSRF rules as fetched URLs (aistudio.tools.fetch), checked before every
attempt because DNS can change between attempts; redirects are never followed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from aistudio.errors import InputError, UnsafeURL
from aistudio.tools.fetch import DEFAULT_PORTS, check_url_shape, open_pinned, resolve_public
from aistudio.tools.signatures import (
    SECRET_PREFIX,
    generate_webhook_secret,
    secret_key,
    sign_webhook,
    verify_webhook,
)

__all__ = [
    "SECRET_PREFIX",
    "DeliveryAttempt",
    "deliver_webhook",
    "generate_webhook_secret",
    "sign_webhook",
    "verify_webhook",
]

_RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_LABEL = "webhook URL"


@dataclass(frozen=True)
class DeliveryAttempt:
    attempt: int
    at: float  # unix seconds when the attempt started
    status: int | None  # None when no response (refused address, network error, timeout)
    error: str | None  # None on success
    duration_ms: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Outcome:
    record: DeliveryAttempt
    retry: bool
    retry_after_s: float | None = None


def _parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Retry-After is delta-seconds or an HTTP-date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _backoff(attempt: int, base_s: float, max_s: float) -> float:
    # "Equal jitter": at least half the exponential step, so retries never bunch at ~0, and
    # a random other half so many failed deliveries do not retry in lockstep.
    step = min(max_s, base_s * 2.0 ** (attempt - 1))
    jitter: float = random.uniform(0, step / 2)
    return step / 2 + jitter


async def _attempt(
    number: int,
    url: str,
    body: bytes,
    *,
    secret: str,
    msg_id: str,
    client: httpx.AsyncClient,
    timeout_s: float,
    allow_hosts: Collection[str],
) -> _Outcome:
    at = time.time()
    started = time.monotonic()

    def outcome(status: int | None, error: str | None) -> DeliveryAttempt:
        duration_ms = (time.monotonic() - started) * 1000
        return DeliveryAttempt(number, at, status, error, round(duration_ms, 3))

    headers = {
        "Content-Type": "application/json",
        "User-Agent": "aistudio-webhooks/1",
        **sign_webhook(secret, msg_id, int(at), body),
    }
    try:
        async with asyncio.timeout(timeout_s):  # DNS + connect + response headers
            target = check_url_shape(url, label=_LABEL)
            port = target.port or DEFAULT_PORTS[target.scheme]
            host = target.raw_host.decode("ascii")
            addresses = await resolve_public(host, port, allow_hosts=allow_hosts, label=_LABEL)
            async with open_pinned(
                client,
                "POST",
                target,
                addresses,
                timeout_s=timeout_s,
                headers=headers,
                content=body,
            ) as response:
                status = response.status_code  # the receiver's body is never read: not needed
                retry_after = response.headers.get("retry-after")
    except UnsafeURL as exc:  # a refused target stays refused: no retry
        return _Outcome(outcome(None, exc.message), retry=False)
    except InputError as exc:  # DNS failure: may be transient
        return _Outcome(outcome(None, exc.message), retry=True)
    except (TimeoutError, httpx.TimeoutException):
        return _Outcome(outcome(None, f"timed out after {timeout_s:g}s"), retry=True)
    except httpx.RequestError as exc:  # refused connection, TLS failure, protocol error
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return _Outcome(outcome(None, error), retry=True)
    if 200 <= status < 300:
        return _Outcome(outcome(status, None), retry=False)
    retry = status in _RETRY_STATUSES or status >= 500
    wait = _parse_retry_after(retry_after, now=at) if status in _RETRY_AFTER_STATUSES else None
    return _Outcome(outcome(status, f"HTTP {status}"), retry=retry, retry_after_s=wait)


async def deliver_webhook(
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: str,
    msg_id: str,
    client: httpx.AsyncClient,
    attempts: int = 5,
    backoff_s: float = 1.0,
    max_backoff_s: float = 60.0,
    timeout_s: float = 10.0,
    allow_hosts: Collection[str] = (),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[DeliveryAttempt]:
    """POST `payload` as JSON until a 2xx, a non-retryable answer, or `attempts` run out.

    Never raises for delivery failures: the caller stores the returned attempts. A malformed
    `secret` is a configuration bug and raises InputError before anything is sent.
    """
    secret_key(secret)
    # Compact, stable JSON; default=str so datetimes and UUIDs in payloads do not crash delivery.
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    log: list[DeliveryAttempt] = []
    for number in range(1, max(1, attempts) + 1):
        result = await _attempt(
            number,
            url,
            body,
            secret=secret,
            msg_id=msg_id,
            client=client,
            timeout_s=timeout_s,
            allow_hosts=allow_hosts,
        )
        log.append(result.record)
        if not result.retry or number >= attempts:
            break
        if result.retry_after_s is not None:
            # Honour the receiver's Retry-After, capped so one receiver cannot park a worker.
            await sleep(min(result.retry_after_s, max_backoff_s))
        else:
            await sleep(_backoff(number, backoff_s, max_backoff_s))
    return log
