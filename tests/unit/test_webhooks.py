"""Outgoing webhooks against a real loopback receiver; sleeps are recorded, not slept."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from email.utils import formatdate

import httpx
import pytest

from aistudio.errors import InputError
from aistudio.server.webhooks import (
    DeliveryAttempt,
    deliver_webhook,
    generate_webhook_secret,
    sign_webhook,
    verify_webhook,
)
from tests.unit._loopback import LoopbackHTTP, Reply, replies

PAYLOAD = {"type": "job.succeeded", "data": {"job_id": "job_123", "title": "Café ☕"}}
# The published Standard Webhooks test vector: a receiver's stock library must accept ours.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - published test vector
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_signature_matches_the_standard_webhooks_vector() -> None:
    headers = sign_webhook(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TS),
        "webhook-signature": VECTOR_SIG,
    }
    verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS + 299)
    # The spec lets receivers pass the key without its prefix.
    verify_webhook(VECTOR_SECRET.removeprefix("whsec_"), headers, VECTOR_BODY, now=VECTOR_TS)


def test_generated_secrets_are_whsec_base64_and_distinct() -> None:
    first, second = generate_webhook_secret(), generate_webhook_secret()
    assert first.startswith("whsec_")
    assert first != second
    headers = sign_webhook(first, "msg_1", 1000, b"{}")
    verify_webhook(first, headers, b"{}", now=1000)
    with pytest.raises(InputError, match="does not match"):
        verify_webhook(second, headers, b"{}", now=1000)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"body": b'{"test": 2432232315}'}, "does not match"),
        ({"now": VECTOR_TS + 301}, "more than 300s"),
        ({"now": VECTOR_TS - 301}, "more than 300s"),  # stamped in the future
        ({"webhook-id": "msg_other"}, "does not match"),
        ({"webhook-timestamp": str(VECTOR_TS + 1)}, "does not match"),
        ({"webhook-timestamp": "yesterday"}, "not unix seconds"),
        ({"webhook-signature": "v1,AAAA"}, "does not match"),
        ({"webhook-signature": "v2," + VECTOR_SIG[3:]}, "does not match"),
        ({"webhook-signature": ""}, "are required"),
    ],
)
def test_verify_rejects_tampering_and_staleness(change: dict[str, object], why: str) -> None:
    headers = sign_webhook(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    body = change.pop("body", VECTOR_BODY)
    now = change.pop("now", VECTOR_TS)
    headers.update({k: str(v) for k, v in change.items()})
    assert isinstance(body, bytes)
    assert isinstance(now, int)
    with pytest.raises(InputError, match=why):
        verify_webhook(VECTOR_SECRET, headers, body, now=now)


def test_verify_accepts_any_of_several_signatures_and_any_header_case() -> None:
    headers = {
        "Webhook-Id": VECTOR_ID,
        "WEBHOOK-TIMESTAMP": str(VECTOR_TS),
        "webhook-signature": f"v1,bm9wZQ== v1a,xyz {VECTOR_SIG}",
    }
    verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS)
    verify_webhook(VECTOR_SECRET, httpx.Headers(headers), VECTOR_BODY, now=VECTOR_TS)


def test_bad_secret_is_an_input_error() -> None:
    with pytest.raises(InputError, match="whsec_<base64>"):
        sign_webhook("whsec_not base64!", "msg_1", 1, b"")


async def test_retries_5xx_then_succeeds_with_same_id_and_valid_signatures(
    client: httpx.AsyncClient,
) -> None:
    secret = generate_webhook_secret()
    sleep = SleepRecorder()
    async with LoopbackHTTP(replies(Reply(500), Reply(502), Reply(200))) as receiver:
        attempts = await deliver_webhook(
            receiver.url("/hook?tenant=1"),
            PAYLOAD,
            secret=secret,
            msg_id="msg_abc",
            client=client,
            backoff_s=2.0,
            allow_hosts=(receiver.netloc,),
            sleep=sleep,
        )
    assert [(a.attempt, a.status, a.error) for a in attempts] == [
        (1, 500, "HTTP 500"),
        (2, 502, "HTTP 502"),
        (3, 200, None),
    ]
    assert all(a.duration_ms >= 0 and abs(a.at - time.time()) < 60 for a in attempts)
    assert len(receiver.requests) == 3
    assert {seen.headers["webhook-id"] for seen in receiver.requests} == {"msg_abc"}
    for seen in receiver.requests:
        assert (seen.method, seen.path) == ("POST", "/hook?tenant=1")
        assert seen.headers["content-type"] == "application/json"
        assert seen.headers["host"] == receiver.netloc
        assert json.loads(seen.body) == PAYLOAD
        verify_webhook(secret, seen.headers, seen.body)
    # Equal jitter: attempt n waits between half and all of backoff * 2**(n-1).
    assert len(sleep.delays) == 2
    assert 1.0 <= sleep.delays[0] <= 2.0
    assert 2.0 <= sleep.delays[1] <= 4.0
    assert attempts[0].to_dict() == {
        "attempt": 1,
        "at": attempts[0].at,
        "status": 500,
        "error": "HTTP 500",
        "duration_ms": attempts[0].duration_ms,
    }


async def test_backoff_is_capped(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackHTTP(replies(Reply(503))) as receiver:
        attempts = await deliver_webhook(
            receiver.url(),
            PAYLOAD,
            secret=generate_webhook_secret(),
            msg_id="msg_cap",
            client=client,
            attempts=6,
            backoff_s=1.0,
            max_backoff_s=4.0,
            allow_hosts=(receiver.netloc,),
            sleep=sleep,
        )
    assert len(attempts) == 6
    assert len(sleep.delays) == 5
    assert all(delay <= 4.0 for delay in sleep.delays)
    assert all(delay >= 2.0 for delay in sleep.delays[2:])


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("7", 7.0), ("600", 60.0)],  # honoured, but capped at max_backoff_s
)
async def test_429_retry_after_is_honoured(
    client: httpx.AsyncClient, retry_after: str, expected: float
) -> None:
    sleep = SleepRecorder()
    handler = replies(Reply(429, {"Retry-After": retry_after}), Reply(204))
    async with LoopbackHTTP(handler) as receiver:
        attempts = await deliver_webhook(
            receiver.url(),
            PAYLOAD,
            secret=generate_webhook_secret(),
            msg_id="msg_429",
            client=client,
            allow_hosts=(receiver.netloc,),
            sleep=sleep,
        )
    assert [a.status for a in attempts] == [429, 204]
    assert sleep.delays == [expected]


async def test_503_retry_after_http_date(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    later = formatdate(time.time() + 30, usegmt=True)
    handler = replies(Reply(503, {"Retry-After": later}), Reply(200))
    async with LoopbackHTTP(handler) as receiver:
        await deliver_webhook(
            receiver.url(),
            PAYLOAD,
            secret=generate_webhook_secret(),
            msg_id="msg_503",
            client=client,
            allow_hosts=(receiver.netloc,),
            sleep=sleep,
        )
    assert len(sleep.delays) == 1
    assert 27 <= sleep.delays[0] <= 31


@pytest.mark.parametrize(("status", "tries"), [(400, 1), (410, 1), (302, 1), (408, 3)])
async def test_client_errors_are_not_retried_except_408(
    client: httpx.AsyncClient, status: int, tries: int
) -> None:
    sleep = SleepRecorder()
    reply = Reply(status, {"Location": "http://169.254.169.254/"} if status == 302 else {})
    async with LoopbackHTTP(replies(reply)) as receiver:
        attempts = await deliver_webhook(
            receiver.url(),
            PAYLOAD,
            secret=generate_webhook_secret(),
            msg_id="msg_4xx",
            client=client,
            attempts=3,
            allow_hosts=(receiver.netloc,),
            sleep=sleep,
        )
    assert [a.status for a in attempts] == [status] * tries
    assert len(receiver.requests) == tries  # a redirect is never followed
    assert len(sleep.delays) == tries - 1


async def test_unreachable_port_is_recorded_as_errors(
    client: httpx.AsyncClient, closed_port: int
) -> None:
    sleep = SleepRecorder()
    netloc = f"127.0.0.1:{closed_port}"
    attempts = await deliver_webhook(
        f"http://{netloc}/hook",
        PAYLOAD,
        secret=generate_webhook_secret(),
        msg_id="msg_down",
        client=client,
        attempts=2,
        allow_hosts=(netloc,),
        sleep=sleep,
    )
    assert [a.status for a in attempts] == [None, None]
    assert all(a.error and "ConnectError" in a.error for a in attempts)
    assert len(sleep.delays) == 1


async def test_slow_receiver_times_out_per_attempt(client: httpx.AsyncClient) -> None:
    async with LoopbackHTTP(replies(Reply(200, delay_s=10))) as receiver:
        attempts = await deliver_webhook(
            receiver.url(),
            PAYLOAD,
            secret=generate_webhook_secret(),
            msg_id="msg_slow",
            client=client,
            attempts=2,
            timeout_s=0.2,
            allow_hosts=(receiver.netloc,),
            sleep=SleepRecorder(),
        )
    assert [a.error for a in attempts] == ["timed out after 0.2s"] * 2


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://169.254.169.254/", "http://[::1]/", "ftp://example.com/"],
)
async def test_refused_targets_are_one_failed_attempt(client: httpx.AsyncClient, url: str) -> None:
    sleep = SleepRecorder()
    attempts = await deliver_webhook(
        url, PAYLOAD, secret=generate_webhook_secret(), msg_id="m", client=client, sleep=sleep
    )
    assert len(attempts) == 1
    assert attempts[0].status is None
    assert attempts[0].error is not None
    assert attempts[0].error.startswith("webhook URL ")
    assert sleep.delays == []


async def test_bad_secret_raises_before_sending(client: httpx.AsyncClient) -> None:
    with pytest.raises(InputError):
        await deliver_webhook(
            "https://example.com/",
            PAYLOAD,
            secret="whsec_%%%",  # noqa: S106 - deliberately malformed
            msg_id="m",
            client=client,
        )


def test_delivery_attempt_is_frozen() -> None:
    attempt = DeliveryAttempt(1, 0.0, 200, None, 1.5)
    with pytest.raises(AttributeError):
        attempt.status = 500  # type: ignore[misc]


async def test_unresolvable_host_is_retried_as_transient(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    attempts = await deliver_webhook(
        "https://no-such-host.invalid/hook",
        PAYLOAD,
        secret=generate_webhook_secret(),
        msg_id="msg_dns",
        client=client,
        attempts=2,
        sleep=sleep,
    )
    assert [a.status for a in attempts] == [None, None]
    assert all(a.error and "could not be resolved" in a.error for a in attempts)
    assert len(sleep.delays) == 1
