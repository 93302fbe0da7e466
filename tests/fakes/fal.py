"""A loopback fal.ai: storage token + CDN upload, the queue API (submit / status / result /
cancel) and the media host, as fal-client 1.0.3 speaks them (shared/reference/providers.md).

Three kinds of app answer: image-to-video (`{"video": {...}}`, a real MP4 of the first
frame), image edit (`{"images": [...]}`, the product on a new set, Flux/Seedream/Nano
Banana shape) and background removal (`{"image": {...}}`, a real RGBA cut-out, BiRefNet
shape). A request goes IN_QUEUE -> IN_PROGRESS -> COMPLETED over `polls_to_finish` status
calls; `hold` keeps every request in progress until released (to kill a client
mid-await); `fail_models` makes a model's requests complete with an error;
`reject_models` makes its submissions answer 422 (the input was refused); `lose_product`
makes image edits return a scene without the product.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.asgi import FakeService, FaultPlan, Json, Request, Response
from tests.fakes.media import (
    ProductLoss,
    clip_from_frame,
    cutout_png,
    grey_frame_like,
    media_names,
    requested_seconds,
    scene_png,
    scene_size,
)

IMAGE_APPS = frozenset(
    {
        "fal-ai/flux-pro/kontext",
        "fal-ai/nano-banana-2/edit",
        "fal-ai/bytedance/seedream/v5/lite/edit",
    }
)
CUTOUT_APPS = frozenset({"fal-ai/birefnet/v2"})


def app_kind(app: str) -> str:
    return "image" if app in IMAGE_APPS else "cutout" if app in CUTOUT_APPS else "video"


@dataclass
class FalJob:
    app: str
    payload: dict[str, Any]
    number: int = 0  # 1-based among accepted submissions
    polls: int = 0
    cancelled: bool = False
    clip: bytes | None = None  # the finished media (an MP4, or a PNG for image apps)
    rendering: asyncio.Task[bytes] | None = None  # the "model" works from submit on
    lost_product: bool = False  # an image edit whose scene does not contain the product

    @property
    def kind(self) -> str:
        return app_kind(self.app)


@dataclass
class FalBehaviour:
    polls_to_finish: int = 2
    fail_models: set[str] = field(default_factory=set)
    reject_models: set[str] = field(default_factory=set)
    hold: asyncio.Event | None = None  # set: requests may finish
    # 1-based numbers of accepted submissions whose clip loses the product (a grey frame):
    # what a model that ignores its reference image returns.
    blank_submissions: set[int] = field(default_factory=set)
    lose_product: ProductLoss = field(default_factory=ProductLoss)


class FakeFal(FakeService):
    def __init__(
        self, faults: FaultPlan | None = None, behaviour: FalBehaviour | None = None
    ) -> None:
        super().__init__(faults)
        # fal-client never reads the answer of its fallback PUT: a "malformed" 200 there
        # would be a silent success with nothing stored, not a fault the client can see.
        self.faults.spare = self.faults.spare | {"put"}
        self.behaviour = behaviour or FalBehaviour()
        self.files: dict[str, bytes] = {}
        self.jobs: dict[str, FalJob] = {}
        self.accepted: list[Request] = []
        self.jwks: dict[str, Any] = {"keys": []}  # fal's webhook signing keys
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(3)

    def route(self, request: Request) -> str:
        p = request.path
        fixed = {"/files/upload": "upload", "/.well-known/jwks.json": "jwks"}
        if p in fixed:
            return fixed[p]
        if p.startswith(("/storage/auth/token", "/media/")):
            return "token" if p.startswith("/storage") else "media"
        if p.startswith("/storage/upload/initiate"):  # the SDK's fallback repository
            return "initiate"
        if p.startswith("/storage/put/"):
            return "put"
        if "/requests/" in p:
            tail = p.rsplit("/", 1)[1]
            return tail if tail in ("status", "cancel") else "result"
        return "submit" if request.method == "POST" else "unknown"

    def submissions(self, kind: str | None = None) -> list[Request]:
        """Accepted submissions (not the ones a fault or a rejection answered), of one
        kind of app ("video", "image", "cutout") or all."""
        return [r for r in self.accepted if kind is None or app_kind(r.path.strip("/")) == kind]

    def first_frame(self, submission: Request) -> bytes:
        """The uploaded image a video submission starts from."""
        return self.files[media_names(submission.json())[0]]

    def error_body(self, status: int, message: str) -> Json:
        return {"detail": message}

    async def handle(self, request: Request) -> Response:
        handler = getattr(self, f"_{self.route(request)}", None)
        if handler is None:
            return Response.of({"detail": f"no route {request.method} {request.path}"}, 404)
        response: Response = await handler(request)
        return response

    async def _jwks(self, request: Request) -> Response:
        return Response.of(self.jwks)

    async def _token(self, request: Request) -> Response:
        return Response.of(
            {
                "token": "fake-token",
                "token_type": "Bearer",
                "base_url": self.base_url,
                "expires_at": "2099-01-01T00:00:00+00:00",
            }
        )

    async def _upload(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Response.of({"detail": "no upload token"}, 401)
        name = f"{next(self._ids)}-{request.headers.get('x-fal-file-name', 'file')}"
        self.files[name] = request.body
        return Response.of({"access_url": f"{self.base_url}/media/{name}"})

    async def _initiate(self, request: Request) -> Response:
        """fal-client's fallback upload (after a CDN upload failed): a signed PUT URL."""
        if not request.headers.get("authorization", "").startswith("Key "):
            return Response.of({"detail": "missing Key auth"}, 401)
        name = f"{next(self._ids)}-{request.json().get('file_name', 'file')}"
        return Response.of(
            {
                "upload_url": f"{self.base_url}/storage/put/{name}",
                "file_url": f"{self.base_url}/media/{name}",
            }
        )

    async def _put(self, request: Request) -> Response:
        self.files[request.path.removeprefix("/storage/put/")] = request.body
        return Response(200, b"")

    async def _media(self, request: Request) -> Response:
        name = request.path.removeprefix("/media/")
        data = self.files.get(name)
        if data is None:
            return Response.of({"detail": "expired"}, 404)
        types = {".mp4": "video/mp4", ".png": "image/png"}
        return Response(200, data, {"content-type": types.get(name[-4:], "image/jpeg")})

    def _urls(self, app: str, request_id: str) -> dict[str, str]:
        owner, alias = app.split("/")[:2]
        base = f"{self.base_url}/{owner}/{alias}/requests/{request_id}"
        return {
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }

    async def _submit(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Key "):
            return Response.of({"detail": "missing Key auth"}, 401)
        app = request.path.strip("/")
        if app in self.behaviour.reject_models:
            return Response.of(
                {
                    "detail": [
                        {
                            "loc": ["body", "image_url"],
                            "msg": "input refused",
                            "type": "value_error",
                        }
                    ]
                },
                422,
            )
        self.accepted.append(request)
        request_id = f"req-{self._run}-{next(self._ids)}"  # unique, as fal's UUIDs are
        job = FalJob(app=app, payload=request.json(), number=len(self.accepted))
        if job.kind == "image":
            number = len(self.submissions("image"))
            job.lost_product = self.behaviour.lose_product(number, job.payload.get("prompt", ""))
        job.rendering = asyncio.create_task(self._render(job))
        self.background.append(job.rendering)
        self.jobs[request_id] = job
        return Response.of(
            {
                "request_id": request_id,
                "status": "IN_QUEUE",
                "queue_position": 1,
                **self._urls(app, request_id),
            },
            202,
        )

    async def _render(self, job: FalJob) -> bytes:
        frame = self.files[media_names(job.payload)[0]]
        if job.kind == "image":
            size = scene_size(job.payload, frame)
            seed = int(job.payload.get("seed", job.number))
            return await asyncio.to_thread(
                scene_png, frame, size, lose_product=job.lost_product, seed=seed
            )
        if job.kind == "cutout":
            return await asyncio.to_thread(cutout_png, frame)
        if job.number in self.behaviour.blank_submissions:
            frame = grey_frame_like(frame)
        seconds = job.payload.get("duration", job.payload.get("seconds"))
        return await clip_from_frame(frame, requested_seconds(seconds))

    def _job(self, request: Request) -> tuple[str, FalJob | None]:
        request_id = request.path.split("/requests/")[1].split("/")[0]
        return request_id, self.jobs.get(request_id)

    async def _status(self, request: Request) -> Response:
        request_id, job = self._job(request)
        if job is None:
            return Response.of({"detail": "request not found"}, 404)
        job.polls += 1
        held = self.behaviour.hold is not None and not self.behaviour.hold.is_set()
        if job.polls == 1:
            return Response.of(
                {"status": "IN_QUEUE", "queue_position": 0, **self._urls(job.app, request_id)}, 202
            )
        if held or job.polls < self.behaviour.polls_to_finish:
            return Response.of(
                {
                    "status": "IN_PROGRESS",
                    "logs": [
                        {
                            "message": "rendering",
                            "level": "INFO",
                            "source": "user",
                            "timestamp": "2026-12-01T00:00:00Z",
                        }
                    ],
                },
                202,
            )
        done: dict[str, Any] = {
            "status": "COMPLETED",
            "logs": [],
            "metrics": {"inference_time": 1.2},
        }
        if job.app in self.behaviour.fail_models:
            done |= {"error": "content policy violation", "error_type": "content_policy"}
        return Response.of(done)

    async def _result(self, request: Request) -> Response:
        request_id, job = self._job(request)
        if job is None:
            return Response.of({"detail": "request not found"}, 404)
        if job.app in self.behaviour.fail_models:
            return Response.of({"detail": "content policy violation"}, 422)
        name = f"clip-{request_id}.{'mp4' if job.kind == 'video' else 'png'}"
        if job.clip is None:
            assert job.rendering is not None
            # shield: a client that times out and retries must not cancel the render
            job.clip = await asyncio.shield(job.rendering)
            self.files[name] = job.clip
        media = {
            "url": f"{self.base_url}/media/{name}",
            "content_type": "video/mp4" if job.kind == "video" else "image/png",
            "file_size": len(job.clip),
        }
        if job.kind == "image":
            width, height = scene_size(job.payload, self.files[media_names(job.payload)[0]])
            return Response.of(
                {
                    "images": [{**media, "width": width, "height": height}],
                    "seed": job.payload.get("seed", 0),
                    "has_nsfw_concepts": [False],
                    "prompt": job.payload.get("prompt", ""),
                }
            )
        if job.kind == "cutout":
            return Response.of({"image": {**media, "file_name": name}, "mask_image": None})
        return Response.of({"video": media})

    async def _cancel(self, request: Request) -> Response:
        _, job = self._job(request)
        if job is None:
            return Response.of({"detail": "request not found"}, 404)
        job.cancelled = True
        return Response.of({"status": "CANCELLATION_REQUESTED"}, 202)
