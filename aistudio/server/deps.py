"""What handlers get injected: the caller's tenant (authenticated, rate limited), the job
service, and signed asset links.

Auth: `Authorization: Bearer ais_...` or `X-API-Key: ais_...`, checked against the hashed
keys in the api_keys table. In dev mode (`AISTUDIO_SERVER__DEV_MODE=true`) a request
without a key is tenant "dev"; a key, when given, is still checked.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from aistudio.errors import RateLimited, Unauthorized
from aistudio.jobs.models import JobRow
from aistudio.jobs.service import JobService
from aistudio.jobs.store import JobStore
from aistudio.server.auth import parse_api_key, verify_api_key
from aistudio.server.ratelimit import TokenBucketLimiter
from aistudio.server.schemas import AssetInfo
from aistudio.server.signing import sign_path
from aistudio.settings import Settings

DEV_TENANT = "dev"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Principal:
    tenant: str
    key_id: str


@dataclass
class Gate:
    """Authentication + rate limiting, shared by every request of one app."""

    settings: Settings
    store: JobStore
    limiter: TokenBucketLimiter

    async def principal(self, request: Request[Any, Any, Any]) -> Principal:
        plaintext = _presented_key(request)
        if plaintext is None:
            if not self.settings.server.dev_mode:
                raise Unauthorized(
                    "an API key is required: 'Authorization: Bearer ais_...' or 'X-API-Key'"
                )
            principal = Principal(DEV_TENANT, DEV_TENANT)
        else:
            principal = await self._verify(plaintext)
        retry_after = self.limiter.check(principal.key_id)
        if retry_after is not None:
            raise RateLimited("too many requests for this API key", retry_after_s=retry_after)
        return principal

    async def _verify(self, plaintext: str) -> Principal:
        # One indexed lookup + a SHA-256 per request: keys are 256-bit random, so a fast
        # hash is enough, and a revoked key stops working at once (no cache).
        key_id, _secret = parse_api_key(plaintext)
        row = await self.store.api_key(key_id)
        if row is None or not verify_api_key(plaintext, row.hash):
            raise Unauthorized("unknown or revoked API key")
        return Principal(row.tenant, key_id)


def _presented_key(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "").strip()
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <api key>'")
        return value.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


_REFERENCE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def reference_file_name(row: JobRow) -> str | None:
    """The name the stored reference photo is served under, beside the job's files."""
    mime = str((row.reference or {}).get("mime", ""))
    ext = _REFERENCE_EXTENSIONS.get(mime)
    return f"reference.{ext}" if ext else None


def job_file(row: JobRow, name: str) -> dict[str, str] | None:
    """A job's file by name: a published asset, or the reference photo it was made from."""
    record = (row.assets or {}).get(name)
    if record is None and name == reference_file_name(row):
        return {"key": str(row.reference["key"]), "mime": str(row.reference["mime"])}
    return record


@dataclass(frozen=True)
class Links:
    """Signed, expiring links to a job's files (the link is the credential)."""

    secret: bytes
    base_url: str
    ttl_s: int

    def asset_path(self, job_id: str, name: str) -> str:
        return f"{API_PREFIX}/assets/{job_id}/{name}"

    def signed_url(self, job_id: str, name: str, expires_at: int) -> str:
        signed = sign_path(self.secret, self.asset_path(job_id, name), expires_at=expires_at)
        return self.base_url.rstrip("/") + signed

    def image_url(self, row: JobRow) -> str | None:
        """The reference photo: the caller's own URL when they gave one, else a signed link
        to the stored upload (a base64 submission has no URL of its own)."""
        if row.image_url:
            return row.image_url
        name = reference_file_name(row)
        if name is None:
            return None
        return self.signed_url(row.id, name, int(time.time()) + self.ttl_s)

    def assets(self, row: JobRow) -> list[AssetInfo]:
        expires = int(time.time()) + self.ttl_s
        infos = []
        for name, record in sorted((row.assets or {}).items()):
            infos.append(
                AssetInfo(
                    name=name,
                    mime=str(record.get("mime", "")),
                    url=self.signed_url(row.id, name, expires),
                    expires_at=expires,
                )
            )
        return infos


def make_links(settings: Settings) -> Links:
    configured = settings.server.signing_secret
    secret = configured.encode() if configured else secrets.token_bytes(32)
    return Links(secret, settings.server.public_base_url, settings.server.asset_link_ttl_s)


# -- providers (Litestar DI) and the names handlers declare them by --------------------
Service: TypeAlias = NamedDependency[JobService]
Caller: TypeAlias = NamedDependency[Principal]
SignedLinks: TypeAlias = NamedDependency[Links]


async def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    gate: Gate = state.gate
    return await gate.principal(request)


def provide_service(state: State) -> JobService:
    service: JobService = state.service
    return service


def provide_links(state: State) -> Links:
    links: Links = state.links
    return links
