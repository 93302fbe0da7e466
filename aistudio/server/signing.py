"""Signed, expiring asset links: `/path?expires=<unix>&sig=<HMAC-SHA256, url-safe base64>`.

The signature covers the path and the expiry, so neither can be edited. Every failure raises
NotFound with one message: a bad or expired link must look exactly like a missing asset, so
it tells a prober nothing.

`sign_path` percent-encodes the path for the URL; `verify_signed` takes the decoded path the
server routed on (ASGI `scope["path"]`), which is the string that was signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote

from aistudio.errors import NotFound

_NOT_FOUND = "no such file"  # the same words the download route uses for a missing file
_MAX_EXPIRES_DIGITS = 12  # unix seconds until the year 33658: bounds the int() we parse


def _signature(secret: bytes, path: str, expires_at: int) -> str:
    # A newline cannot occur in a URL path, so "path\nexpires" is unambiguous.
    mac = hmac.new(secret, f"{path}\n{expires_at}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def sign_path(secret: bytes, path: str, *, expires_at: int) -> str:
    """Return `path?expires=...&sig=...` valid until `expires_at` (unix seconds)."""
    if not secret:
        raise ValueError("signing secret is empty")
    if not path.startswith("/") or any(c in path for c in "?#\n"):
        raise ValueError(f"{path!r} is not a bare absolute path")
    if expires_at < 0:
        raise ValueError("expires_at must be unix seconds")
    return f"{quote(path)}?expires={expires_at}&sig={_signature(secret, path, expires_at)}"


def verify_signed(
    secret: bytes, path: str, expires: str | None, sig: str | None, *, now: int | None = None
) -> None:
    """Raise NotFound unless `sig` signs (`path`, `expires`) and `expires` is not past."""
    if not secret or not expires or not sig:
        raise NotFound(_NOT_FOUND)
    # Canonical digits only ("7", not "007" or "+7"), so one link has one spelling.
    if not (expires.isascii() and expires.isdigit()) or len(expires) > _MAX_EXPIRES_DIGITS:
        raise NotFound(_NOT_FOUND)
    expires_at = int(expires)
    if str(expires_at) != expires:
        raise NotFound(_NOT_FOUND)
    expected = _signature(secret, path, expires_at)
    if not hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace")):
        raise NotFound(_NOT_FOUND)
    if (int(time.time()) if now is None else now) > expires_at:
        raise NotFound(_NOT_FOUND)
