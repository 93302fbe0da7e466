"""API keys: `ais_<key_id>_<secret>`, shown to the tenant once; only a hash is stored.

`key_id` is a public handle (it finds the row without scanning and can be shown in logs and
dashboards); `secret` carries the entropy. No database code here: the server stores `hash`.

Why plain SHA-256 and not bcrypt/argon2: slow hashes protect low-entropy, human-chosen
passwords against offline guessing. Our secrets are 256 random bits, which no attacker can
enumerate however fast the hash is, and a fast hash keeps every authenticated request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from aistudio.errors import Unauthorized

KEY_PREFIX = "ais_"
_KEY_ID_BYTES = 8  # 16 hex characters: unique enough as a lookup handle, never secret
_SECRET_BYTES = 32  # 256 bits of entropy
# key_id is hex, so it never contains "_" and the plaintext splits at the first "_";
# the secret is url-safe base64 and may contain "_" and "-".
_KEY_ID = re.compile(r"[0-9A-Za-z]{8,64}")
_SECRET = re.compile(r"[0-9A-Za-z_-]{16,256}")
_MALFORMED = "API key is malformed"


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret: str
    hash: str

    @property
    def plaintext(self) -> str:
        """The full key, shown to the tenant exactly once."""
        return f"{KEY_PREFIX}{self.key_id}_{self.secret}"


def generate_api_key() -> NewApiKey:
    key_id = secrets.token_hex(_KEY_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return NewApiKey(key_id, secret, hash_api_key(f"{KEY_PREFIX}{key_id}_{secret}"))


def hash_api_key(plaintext: str) -> str:
    """SHA-256 hex of the whole plaintext key (see the module docstring for why that suffices)."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def parse_api_key(plaintext: str) -> tuple[str, str]:
    """Split `ais_<key_id>_<secret>` into (key_id, secret); raise Unauthorized if malformed."""
    if not plaintext.startswith(KEY_PREFIX):
        raise Unauthorized(_MALFORMED)
    key_id, sep, secret = plaintext.removeprefix(KEY_PREFIX).partition("_")
    if not sep or not _KEY_ID.fullmatch(key_id) or not _SECRET.fullmatch(secret):
        raise Unauthorized(_MALFORMED)
    return key_id, secret


def verify_api_key(plaintext: str, stored_hash: str) -> bool:
    """Constant-time check of `plaintext` against the stored hash."""
    # Compare bytes: compare_digest refuses non-ASCII str, and a corrupt row must not crash.
    return hmac.compare_digest(
        hash_api_key(plaintext).encode("ascii"), stored_hash.encode("utf-8", "replace")
    )


def bearer_token(authorization: str | None) -> str:
    """The API key from an `Authorization: Bearer <key>` header value; Unauthorized if absent."""
    if not authorization:
        raise Unauthorized("an API key is required (Authorization: Bearer ais_...)")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use Authorization: Bearer <API key>")
    return token.strip()
