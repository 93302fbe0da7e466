"""A loopback Supabase Storage as supabase-py 2.34 / storage3 speaks it (shared/reference/
providers.md §4): buckets, multipart uploads (POST with x-upsert, PUT), downloads, object
info, removal, signed URLs and the signed GET that serves bytes without a key.

Errors have Supabase's shape, `{"statusCode", "error", "message"}`, and like the hosted API
most arrive as HTTP 400 with the real status ("404", "409", "403") inside the body.
Every keyed request must carry `apiKey: <key>` and `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.asgi import FakeService, FaultPlan, Json, Request, Response

PREFIX = "/storage/v1"


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    cache_control: str
    writes: int = 1


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    body: bytes


@dataclass
class Upload:
    """One upload as it crossed the wire, for assertions."""

    method: str
    bucket: str
    path: str
    upsert: str | None
    parts: dict[str, Part] = field(default_factory=dict)

    @property
    def file(self) -> Part:
        return self.parts["file"]


def parse_multipart(content_type: str, body: bytes) -> dict[str, Part]:
    """multipart/form-data by hand: byte-exact for binary parts (the email parser is not)."""
    boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip('"').encode()
    parts: dict[str, Part] = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = {
            k.strip(): v.strip().strip('"')
            for k, _, v in (p.partition("=") for p in headers["content-disposition"].split(";"))
        }
        parts[params["name"]] = Part(
            params["name"],
            params.get("filename"),
            headers.get("content-type"),
            data.removesuffix(b"\r\n"),
        )
    return parts


class FakeSupabase(FakeService):
    def __init__(
        self,
        faults: FaultPlan | None = None,
        *,
        key: str = "service-role-key",
        secret: bytes = b"fake-jwt-secret",
    ) -> None:
        super().__init__(faults)
        self.key = key
        self.secret = secret
        self.buckets: dict[str, dict[str, Any]] = {}
        self.objects: dict[tuple[str, str], StoredObject] = {}
        self.uploads: list[Upload] = []
        self.sign_bodies: list[Any] = []
        self.unauthenticated: list[Request] = []  # keyed routes called without the headers
        self.clock_offset_s = 0.0  # move time forward to expire signed URLs without sleeping
        self._ids = itertools.count(1)

    # -- routing -----------------------------------------------------------------------------
    def route(self, request: Request) -> str:
        if not request.path.startswith(PREFIX + "/"):
            return "unknown"
        path, method = request.path.removeprefix(PREFIX), request.method
        routes = [
            ("/bucket", {"GET": "bucket-list", "POST": "bucket-create"}, True),
            ("/bucket/", {"GET": "bucket-get"}, False),
            ("/object/sign/", {"POST": "sign", "GET": "signed-get"}, False),
            ("/object/info/", {"GET": "info"}, False),
            (
                "/object/",
                {"POST": "upload", "PUT": "update", "GET": "download", "DELETE": "remove"},
                False,
            ),
        ]
        for prefix, by_method, exact in routes:
            if (path == prefix) if exact else path.startswith(prefix):
                return by_method.get(method, "unknown")
        return "unknown"

    def error_body(self, status: int, message: str) -> Json:
        return {"statusCode": str(status), "error": "Error", "message": message}

    @staticmethod
    def error(status: int, error: str, message: str, http_status: int = 400) -> Response:
        return Response.of(
            {"statusCode": str(status), "error": error, "message": message}, http_status
        )

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def _authorized(self, request: Request) -> bool:
        return (
            request.headers.get("apikey") == self.key
            and request.headers.get("authorization") == f"Bearer {self.key}"
        )

    async def handle(self, request: Request) -> Response:
        route, path = request.route, request.path.removeprefix(PREFIX)
        if route == "signed-get":  # the token is the credential, like a public link
            return self._signed_get(request, path.removeprefix("/object/sign/"))
        if not self._authorized(request):
            self.unauthenticated.append(request)
            return self.error(403, "Unauthorized", "invalid signature")
        handlers: dict[str, tuple[str, Callable[[Request, str], Response]]] = {
            "bucket-list": (
                "/bucket",
                lambda r, _: Response.of([self._bucket_json(b) for b in self.buckets]),
            ),
            "bucket-get": ("/bucket/", lambda r, rest: self._bucket_get(rest)),
            "bucket-create": ("/bucket", lambda r, _: self._bucket_create(r)),
            "sign": ("/object/sign/", self._sign),
            "info": ("/object/info/", lambda r, rest: self._info(rest)),
            "upload": ("/object/", self._upload),
            "update": ("/object/", self._upload),
            "download": ("/object/", lambda r, rest: self._download(rest)),
            "remove": ("/object/", self._remove),
        }
        if route not in handlers:
            return self.error(404, "not_found", f"no route {request.method} {request.path}", 404)
        prefix, handler = handlers[route]
        return handler(request, path.removeprefix(prefix))

    # -- buckets -----------------------------------------------------------------------------
    def _bucket_json(self, bucket_id: str) -> dict[str, Any]:
        return {
            "id": bucket_id,
            "name": bucket_id,
            "owner": "",
            "type": "STANDARD",
            "created_at": "2026-12-01T00:00:00Z",
            "updated_at": "2026-12-01T00:00:00Z",
            "file_size_limit": None,
            "allowed_mime_types": None,
            **self.buckets[bucket_id],
        }

    def _bucket_get(self, bucket_id: str) -> Response:
        if bucket_id not in self.buckets:
            return self.error(404, "Bucket not found", "Bucket not found")
        return Response.of(self._bucket_json(bucket_id))

    def _bucket_create(self, request: Request) -> Response:
        body = request.json()
        bucket_id = body["id"]
        if bucket_id in self.buckets:
            return self.error(409, "Duplicate", "The resource already exists")
        self.buckets[bucket_id] = {"public": bool(body.get("public", False))}
        return Response.of({"name": bucket_id})

    # -- objects -----------------------------------------------------------------------------
    def _split(self, rest: str) -> tuple[str, str]:
        bucket, _, key = rest.partition("/")
        return bucket, key

    def _missing(self, bucket: str, key: str) -> Response | None:
        if bucket not in self.buckets:
            return self.error(404, "Bucket not found", "Bucket not found")
        if (bucket, key) not in self.objects:
            return self.error(404, "not_found", "Object not found")
        return None

    def _upload(self, request: Request, rest: str) -> Response:
        bucket, key = self._split(rest)
        if bucket not in self.buckets:
            return self.error(404, "Bucket not found", "Bucket not found")
        upload = Upload(
            request.method,
            bucket,
            key,
            request.headers.get("x-upsert"),
            parse_multipart(request.headers["content-type"], request.body),
        )
        self.uploads.append(upload)
        if "file" not in upload.parts:
            return self.error(400, "InvalidRequest", "no file part")
        exists = (bucket, key) in self.objects
        if request.method == "PUT" and not exists:
            return self.error(404, "not_found", "Object not found")
        if request.method == "POST" and exists and upload.upsert != "true":
            return self.error(409, "Duplicate", "The resource already exists")
        writes = self.objects[(bucket, key)].writes + 1 if exists else 1
        cache_control = upload.parts["cacheControl"].body.decode()
        self.objects[(bucket, key)] = StoredObject(
            upload.file.body,
            upload.file.content_type or "application/octet-stream",
            f"max-age={cache_control}",
            writes,
        )
        return Response.of(
            {"Id": f"00000000-0000-0000-0000-{next(self._ids):012d}", "Key": f"{bucket}/{key}"}
        )

    def _download(self, rest: str) -> Response:
        bucket, key = self._split(rest)
        if (missing := self._missing(bucket, key)) is not None:
            return missing
        stored = self.objects[(bucket, key)]
        return Response(
            200,
            stored.data,
            {"content-type": stored.content_type, "cache-control": stored.cache_control},
        )

    def _info(self, rest: str) -> Response:
        bucket, key = self._split(rest)
        if (missing := self._missing(bucket, key)) is not None:
            return missing
        stored = self.objects[(bucket, key)]
        return Response.of(
            {
                "id": key,
                "name": key,
                "bucket_id": bucket,
                "size": len(stored.data),
                "content_type": stored.content_type,
                "cache_control": stored.cache_control,
                "etag": hashlib.md5(stored.data, usedforsecurity=False).hexdigest(),
                "created_at": "2026-12-01T00:00:00Z",
            }
        )

    def _remove(self, request: Request, bucket: str) -> Response:
        removed = [
            {"name": k, "bucket_id": bucket}
            for k in request.json()["prefixes"]
            if self.objects.pop((bucket, k), None) is not None
        ]
        return Response.of(removed)

    # -- signed URLs -------------------------------------------------------------------------
    def _token(self, target: str, expires_at: int) -> str:
        mac = hmac.new(self.secret, f"{target}|{expires_at}".encode(), hashlib.sha256)
        return f"{expires_at}.{mac.hexdigest()}"

    def _sign(self, request: Request, rest: str) -> Response:
        body = request.json()
        self.sign_bodies.append(body)
        bucket, key = self._split(rest)
        if (missing := self._missing(bucket, key)) is not None:
            return missing
        expires_at = int(self.now()) + int(body["expiresIn"])
        token = self._token(rest, expires_at)
        return Response.of({"signedURL": f"/object/sign/{rest}?token={token}"})

    def _signed_get(self, request: Request, rest: str) -> Response:
        token = parse_qs(request.query).get("token", [""])[0]
        expires_at, _, _mac = token.partition(".")
        if not expires_at.isdigit() or not hmac.compare_digest(
            token, self._token(rest, int(expires_at))
        ):
            return self.error(400, "InvalidJWT", "invalid signature")
        if int(expires_at) <= self.now():
            return self.error(400, "InvalidJWT", '"exp" claim timestamp check failed')
        bucket, key = self._split(rest)
        if (missing := self._missing(bucket, key)) is not None:
            return missing
        return self._download(rest)
