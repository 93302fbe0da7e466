"""What handlers get injected: the caller's tenant (authenticated, rate limited), the job
service, and signed asset links.

Auth: `Authorization: Bearer ais_...` or `X-API-Key: ais_...`, checked against the hashed
keys in the api_keys table. In dev mode (`AISTUDIO_SERVER__DEV_MODE=true`) a request
without a key is tenant "dev"; a key, when given, is still checked.

Authentication is a guard (`authenticate`): Litestar runs guards before it reads or decodes
the body, so a caller without a valid key costs one header check, never a 25 MiB parse.
Each failed key costs a database lookup, so failures are rate limited per client address.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler

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
    """Authentication + rate limiting, shared by every request of one app: `limiter` per
    API key, `failures` per client address (failed authentications only)."""

    settings: Settings
    store: JobStore
    limiter: TokenBucketLimiter
    failures: TokenBucketLimiter

    async def principal(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
        plaintext = _presented_key(connection)
        if plaintext is None:
            if not self.settings.server.dev_mode:
                raise Unauthorized(
                    "an API key is required: 'Authorization: Bearer ais_...' or 'X-API-Key'"
                )
            principal = Principal(DEV_TENANT, DEV_TENANT)
        else:
            principal = await self._verify_from(client_address(connection), plaintext)
        retry_after = self.limiter.check(principal.key_id)
        if retry_after is not None:
            raise RateLimited("too many requests for this API key", retry_after_s=retry_after)
        return principal

    async def _verify_from(self, address: str, plaintext: str) -> Principal:
        """`_verify`, unless this address failed too often lately (then 429, no lookup)."""
        wait = self.failures.waiting(address)
        if wait is not None:
            raise RateLimited(
                "too many failed authentications from this address", retry_after_s=wait
            )
        try:
            return await self._verify(plaintext)
        except Unauthorized:
            self.failures.check(address)
            raise

    async def _verify(self, plaintext: str) -> Principal:
        # One indexed lookup + a SHA-256 per request: keys are 256-bit random, so a fast
        # hash is enough, and a revoked key stops working at once (no cache).
        key_id, _secret = parse_api_key(plaintext)
        row = await self.store.api_key(key_id)
        if row is None or not verify_api_key(plaintext, row.hash):
            raise Unauthorized("unknown or revoked API key")
        return Principal(row.tenant, key_id)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The peer's address (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    client = connection.client
    return client.host if client is not None else "unknown"


def _presented_key(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
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


_PRINCIPAL = "aistudio_principal"  # where `authenticate` leaves the caller, per request


async def authenticate(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Guard of every keyed route: runs before the body is read (see the module docstring)."""
    gate: Gate = connection.app.state.gate
    connection.scope[_PRINCIPAL] = await gate.principal(connection)  # type: ignore[literal-required]


async def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    principal = request.scope.get(_PRINCIPAL)
    if isinstance(principal, Principal):
        return principal
    gate: Gate = state.gate  # a route without the guard: authenticate now
    return await gate.principal(request)


def provide_service(state: State) -> JobService:
    service: JobService = state.service
    return service


def provide_links(state: State) -> Links:
    links: Links = state.links
    return links
