"""A loopback Replicate: files, predictions by model, get, cancel, and the delivery host,
as replicate 1.0.7 speaks them (shared/reference/providers.md). Errors are RFC 7807.

Models answer a single URL: an MP4 animated from the first frame (video models), the
product on a new set (image edits: Flux Kontext Pro, Nano Banana Pro; `lose_product`
returns a scene without it) or a real RGBA cut-out (background removers)."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.asgi import FakeService, FaultPlan, Json, Request, Response
from tests.fakes.media import (
    ProductLoss,
    clip_from_frame,
    cutout_png,
    media_names,
    requested_seconds,
    scene_png,
    scene_size,
)

IMAGE_MODELS = frozenset({"black-forest-labs/flux-kontext-pro", "google/nano-banana-pro"})
CUTOUT_MODELS = frozenset({"851-labs/background-remover", "lucataco/remove-bg"})


def model_kind(model: str) -> str:
    return "image" if model in IMAGE_MODELS else "cutout" if model in CUTOUT_MODELS else "video"


_PREDICTION = re.compile(r"^/v1/predictions/([^/]+)(/cancel)?$")
_CREATE = re.compile(r"^/v1/models/([^/]+)/([^/]+)/predictions$")


@dataclass
class Prediction:
    id: str
    model: str
    input: dict[str, Any]
    polls: int = 0
    status: str = "starting"
    output: str | None = None
    error: str | None = None
    rendering: asyncio.Task[bytes] | None = None  # the "model" works from create on
    number: int = 0  # 1-based among accepted predictions of its kind
    lost_product: bool = False

    @property
    def kind(self) -> str:
        return model_kind(self.model)


@dataclass
class ReplicateBehaviour:
    polls_to_finish: int = 2
    fail_models: set[str] = field(default_factory=set)
    lose_product: ProductLoss = field(default_factory=ProductLoss)


class FakeReplicate(FakeService):
    def __init__(
        self, faults: FaultPlan | None = None, behaviour: ReplicateBehaviour | None = None
    ) -> None:
        super().__init__(faults)
        self.behaviour = behaviour or ReplicateBehaviour()
        self.files: dict[str, bytes] = {}
        self.predictions: dict[str, Prediction] = {}
        self.accepted: list[Request] = []
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(3)  # ids unique across fakes, as Replicate's are

    def route(self, request: Request) -> str:
        if request.path == "/v1/files":
            return "upload"
        if request.path.startswith("/media/"):
            return "media"
        if _CREATE.match(request.path):
            return "create"
        match = _PREDICTION.match(request.path)
        if match:
            return "cancel" if match.group(2) else "get"
        return "unknown"

    def submissions(self, kind: str | None = None) -> list[Request]:
        """Accepted creates, of one kind of model ("video", "image", "cutout") or all."""
        return [r for r in self.accepted if kind is None or model_kind(_model_of(r)) == kind]

    def first_frame(self, submission: Request) -> bytes:
        """The uploaded image a video prediction starts from."""
        return self.files[media_names(submission.json()["input"])[0]]

    def error_body(self, status: int, message: str) -> Json:
        return {"type": "about:blank", "title": message, "status": status, "detail": message}

    async def handle(self, request: Request) -> Response:
        route = self.route(request)
        if route == "media":  # the delivery host is public, like replicate.delivery
            return self._media(request)
        if request.headers.get("authorization") != "Bearer r8-test":
            return Response.of(self.error_body(401, "invalid token"), 401)
        if route == "upload":
            return self._upload(request)
        if route == "create":
            return self._create(request)
        if route in ("get", "cancel"):
            return await self._prediction(request, cancel=route == "cancel")
        return Response.of(self.error_body(404, f"no route {request.path}"), 404)

    def _upload(self, request: Request) -> Response:
        # multipart/form-data with one part named "content": keep the part's bytes
        boundary = request.headers["content-type"].split("boundary=")[1].encode()
        part = next(p for p in request.body.split(b"--" + boundary) if b'name="content"' in p)
        data = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = data
        return Response.of(
            {
                "id": file_id,
                "name": "frame.jpg",
                "content_type": "image/jpeg",
                "size": len(data),
                "etag": "x",
                "checksums": {},
                "metadata": {},
                "created_at": "2026-12-01T00:00:00Z",
                "expires_at": None,
                "urls": {"get": f"{self.base_url}/media/{file_id}"},
            },
            201,
        )

    def _media(self, request: Request) -> Response:
        data = self.files.get(request.path.removeprefix("/media/"))
        if data is None:
            return Response.of(self.error_body(404, "gone"), 404)
        return Response(200, data, {"content-type": "application/octet-stream"})

    def _json(self, p: Prediction) -> dict[str, Any]:
        url = f"{self.base_url}/v1/predictions/{p.id}"
        return {
            "id": p.id,
            "model": p.model,
            "version": "fake-version",
            "status": p.status,
            "input": p.input,
            "output": p.output,
            "logs": "",
            "error": p.error,
            "data_removed": False,
            "metrics": {},
            "created_at": "2026-12-01T00:00:00Z",
            "urls": {"get": url, "cancel": f"{url}/cancel", "web": url},
        }

    def _create(self, request: Request) -> Response:
        match = _CREATE.match(request.path)
        assert match is not None
        model = f"{match.group(1)}/{match.group(2)}"
        self.accepted.append(request)
        prediction = Prediction(
            id=f"p{self._run}{next(self._ids)}", model=model, input=request.json()["input"]
        )
        prediction.number = len(self.submissions(prediction.kind))
        if prediction.kind == "image":
            prediction.lost_product = self.behaviour.lose_product(
                prediction.number, prediction.input.get("prompt", "")
            )
        prediction.rendering = asyncio.create_task(self._render(prediction))
        self.background.append(prediction.rendering)
        self.predictions[prediction.id] = prediction
        return Response.of(self._json(prediction), 201)

    async def _prediction(self, request: Request, *, cancel: bool) -> Response:
        match = _PREDICTION.match(request.path)
        assert match is not None
        p = self.predictions.get(match.group(1))
        if p is None:
            return Response.of(self.error_body(404, "prediction not found"), 404)
        if cancel:
            p.status = "canceled"
            return Response.of(self._json(p))
        p.polls += 1
        if p.status in ("starting", "processing"):
            p.status = "processing"
            if p.polls >= self.behaviour.polls_to_finish:
                if p.model in self.behaviour.fail_models:
                    p.status, p.error = "failed", "NSFW content detected"
                elif p.rendering is not None and p.rendering.done():
                    self._finish(p, p.rendering.result())
        return Response.of(self._json(p))

    async def _render(self, p: Prediction) -> bytes:
        frame = self.files[media_names(p.input)[0]]
        if p.kind == "image":
            size = scene_size(p.input, frame)
            seed = int(p.input.get("seed", p.number))
            return await asyncio.to_thread(
                scene_png, frame, size, lose_product=p.lost_product, seed=seed
            )
        if p.kind == "cutout":
            return await asyncio.to_thread(cutout_png, frame)
        return await clip_from_frame(frame, requested_seconds(p.input.get("duration")))

    def _finish(self, p: Prediction, media: bytes) -> None:
        name = f"{p.id}.{'mp4' if p.kind == 'video' else 'png'}"
        self.files[name] = media
        p.status, p.output = "succeeded", f"{self.base_url}/media/{name}"


def _model_of(request: Request) -> str:
    match = _CREATE.match(request.path)
    return f"{match.group(1)}/{match.group(2)}" if match else ""
