"""API keys, token-bucket limiter (injected clock) and signed asset links (injected now)."""

from __future__ import annotations

import hashlib

import pytest

from aistudio.errors import NotFound, RateLimited, Unauthorized
from aistudio.server.auth import (
    NewApiKey,
    bearer_token,
    generate_api_key,
    hash_api_key,
    parse_api_key,
    verify_api_key,
)
from aistudio.server.ratelimit import TokenBucketLimiter
from aistudio.server.signing import sign_path, verify_signed
from aistudio.server.webhooks import generate_webhook_secret

SECRET = b"k" * 32
NOW = 1_800_000_000


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# -- API keys ----------------------------------------------------------------------------------
def test_generated_key_round_trips() -> None:
    key = generate_api_key()
    assert isinstance(key, NewApiKey)
    assert key.plaintext == f"ais_{key.key_id}_{key.secret}"
    assert parse_api_key(key.plaintext) == (key.key_id, key.secret)
    assert key.hash == hash_api_key(key.plaintext)
    assert key.hash == hashlib.sha256(key.plaintext.encode()).hexdigest()
    assert verify_api_key(key.plaintext, key.hash)
    assert len(key.secret) >= 43  # 32 random bytes


def test_keys_are_unique_and_do_not_verify_each_other() -> None:
    keys = [generate_api_key() for _ in range(50)]
    assert len({k.key_id for k in keys}) == 50
    assert len({k.hash for k in keys}) == 50
    assert not verify_api_key(keys[0].plaintext, keys[1].hash)
    tampered = keys[0].plaintext[:-1] + ("A" if keys[0].plaintext[-1] != "A" else "B")
    assert not verify_api_key(tampered, keys[0].hash)
    assert not verify_api_key(keys[0].plaintext, "")
    assert not verify_api_key(keys[0].plaintext, "ü" * 64)  # a corrupt row is just a mismatch


def test_secret_with_underscores_still_parses() -> None:
    plaintext = "ais_0123456789abcdef_a_b-c_" + "x" * 30
    assert parse_api_key(plaintext) == ("0123456789abcdef", "a_b-c_" + "x" * 30)


@pytest.mark.parametrize(
    "plaintext",
    [
        "",
        "ais_",
        "sk_0123456789abcdef_" + "x" * 43,
        "ais_0123456789abcdef",
        "ais_0123456789abcdef_",
        "ais__" + "x" * 43,
        "ais_0123456789abcdef_short",
        "ais_01234567-9abcdef_" + "x" * 43,
        "ais_0123456789abcdef_" + "x" * 42 + "!",
        "ais_0123456789abcdef_" + "x" * 300,
        "AIS_0123456789abcdef_" + "x" * 43,
    ],
)
def test_malformed_keys_are_unauthorized(plaintext: str) -> None:
    with pytest.raises(Unauthorized) as info:
        parse_api_key(plaintext)
    assert info.value.http_status == 401


def test_bearer_token() -> None:
    assert bearer_token("Bearer ais_abc_def") == "ais_abc_def"
    assert bearer_token("  bearer   ais_abc_def ") == "ais_abc_def"
    for bad in (None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "):
        with pytest.raises(Unauthorized):
            bearer_token(bad)


# -- rate limiter ------------------------------------------------------------------------------
def test_burst_then_refusal_then_refill() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=2.0, burst=3, clock=clock)
    assert [limiter.check("t1") for _ in range(3)] == [None, None, None]
    assert limiter.check("t1") == pytest.approx(0.5)  # one token every 0.5 s
    clock.now += 0.25
    assert limiter.check("t1") == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.check("t1") is None
    assert limiter.check("t1") == pytest.approx(0.5)
    clock.now += 100  # refills, but never beyond the burst
    assert [limiter.check("t1") for _ in range(4)][-1] == pytest.approx(0.5)


def test_waiting_reports_without_spending() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=2.0, burst=2, clock=clock)
    assert limiter.waiting("a") is None  # never seen: a full bucket
    assert limiter.check("a") is None
    assert limiter.waiting("a") is None  # one token left, and looking spends nothing
    assert limiter.waiting("a") is None
    assert limiter.check("a") is None
    assert limiter.waiting("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.waiting("a") is None
    assert limiter.check("a") is None


def test_keys_are_independent() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=1.0, burst=1, clock=clock)
    assert limiter.check("a") is None
    assert limiter.check("a") == pytest.approx(1.0)
    assert limiter.check("b") is None


def test_clock_stepping_back_does_not_drain() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=1.0, burst=2, clock=clock)
    assert limiter.check("a") is None
    clock.now -= 50
    assert limiter.check("a") is None


def test_memory_is_bounded_and_least_recent_keys_go_first() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=0.001, burst=1, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        assert limiter.check(key) is None
    assert limiter.check("a") is not None  # "a" is now the most recent
    assert limiter.check("d") is None  # evicts "b", the least recent
    assert len(limiter) == 3
    assert limiter.check("a") is not None  # remembered: still empty
    assert limiter.check("b") is None  # forgotten: a fresh bucket
    for index in range(1000):
        limiter.check(f"flood-{index}")
    assert len(limiter) == 3


def test_enforce_raises_rate_limited_with_retry_after() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=0.5, burst=1, clock=clock)
    limiter.enforce("t")
    with pytest.raises(RateLimited) as info:
        limiter.enforce("t")
    assert info.value.http_status == 429
    assert info.value.retry_after_s == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("rate", "burst", "max_keys"), [(0.0, 1, 10), (-1.0, 1, 10), (1.0, 0, 10), (1.0, 1, 0)]
)
def test_limiter_rejects_nonsense_settings(rate: float, burst: int, max_keys: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucketLimiter(rate, burst, max_keys=max_keys)


# -- signed asset links ------------------------------------------------------------------------
def _split(signed: str) -> tuple[str, str, str]:
    path, _, query = signed.partition("?")
    params = dict(part.split("=", 1) for part in query.split("&"))
    return path, params["expires"], params["sig"]


def test_signed_path_verifies_until_expiry() -> None:
    signed = sign_path(SECRET, "/v1/assets/abc123/content", expires_at=NOW + 60)
    path, expires, sig = _split(signed)
    assert path == "/v1/assets/abc123/content"
    assert expires == str(NOW + 60)
    assert "=" not in sig and "+" not in sig and "/" not in sig  # url-safe, unpadded
    verify_signed(SECRET, path, expires, sig, now=NOW)
    verify_signed(SECRET, path, expires, sig, now=NOW + 60)  # valid through the last second
    with pytest.raises(NotFound):
        verify_signed(SECRET, path, expires, sig, now=NOW + 61)


def test_path_is_percent_encoded_but_the_decoded_path_verifies() -> None:
    signed = sign_path(SECRET, "/v1/assets/a b/ü.mp4", expires_at=NOW + 60)
    path, expires, sig = _split(signed)
    assert path == "/v1/assets/a%20b/%C3%BC.mp4"
    verify_signed(SECRET, "/v1/assets/a b/ü.mp4", expires, sig, now=NOW)


@pytest.mark.parametrize(
    ("path", "expires", "sig_change"),
    [
        ("/v1/assets/other/content", None, None),  # another asset
        (None, str(NOW + 3600), None),  # extended expiry
        (None, "0" + str(NOW + 60), None),  # non-canonical spelling
        (None, "+" + str(NOW + 60), None),
        (None, "1e12", None),
        (None, "9" * 40, None),
        (None, "", None),
        (None, None, ""),
        (None, None, "A"),  # truncated / garbage signatures
        (None, None, "ü"),
        (None, None, "flip"),
    ],
)
def test_tampered_links_look_missing(
    path: str | None, expires: str | None, sig_change: str | None
) -> None:
    good_path, good_expires, good_sig = _split(
        sign_path(SECRET, "/v1/assets/abc/content", expires_at=NOW + 60)
    )
    sig = good_sig
    if sig_change == "flip":
        sig = good_sig[:-1] + ("A" if good_sig[-1] != "A" else "B")
    elif sig_change is not None:
        sig = sig_change
    with pytest.raises(NotFound, match=r"^no such file$"):
        verify_signed(
            SECRET,
            path if path is not None else good_path,
            expires if expires is not None else good_expires,
            sig,
            now=NOW,
        )


def test_missing_parameters_and_wrong_secret_look_missing() -> None:
    path, expires, sig = _split(sign_path(SECRET, "/a", expires_at=NOW + 60))
    for args in ((None, sig), (expires, None), (None, None)):
        with pytest.raises(NotFound):
            verify_signed(SECRET, path, args[0], args[1], now=NOW)
    with pytest.raises(NotFound):
        verify_signed(b"other" * 8, path, expires, sig, now=NOW)
    with pytest.raises(NotFound):
        verify_signed(b"", path, expires, sig, now=NOW)


@pytest.mark.parametrize("path", ["relative/path", "/a?b=1", "/a#frag", "/a\nb", ""])
def test_sign_path_refuses_non_paths(path: str) -> None:
    with pytest.raises(ValueError, match="not a bare absolute path"):
        sign_path(SECRET, path, expires_at=NOW)


def test_sign_path_refuses_empty_secret_and_negative_expiry() -> None:
    with pytest.raises(ValueError, match="empty"):
        sign_path(b"", "/a", expires_at=NOW)
    with pytest.raises(ValueError, match="unix seconds"):
        sign_path(SECRET, "/a", expires_at=-1)


def test_webhook_and_api_secrets_do_not_collide() -> None:
    # Different formats on purpose: a key pasted in the wrong place fails loudly.
    with pytest.raises(Unauthorized):
        parse_api_key(generate_webhook_secret())
