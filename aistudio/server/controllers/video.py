"""The original AI Studio routes, with their original request bodies and answers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.response import Response, Stream

from aistudio.artifacts import JobKind
from aistudio.jobs.requests import VideoRequest
from aistudio.server.deps import API_PREFIX, Caller, Service, SignedLinks
from aistudio.server.downloads import file_response, first_video, stored_file
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import StatusView, SubmitResponse, status_view
from aistudio.server.webhooks import generate_webhook_secret

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="Same key + same body returns the same job; another body is a 409.",
    ),
]


async def submit_job(
    service: Service,
    principal: Caller,
    kind: JobKind,
    data: JSONBody[VideoRequest],
    idempotency_key: str | None,
) -> Response[SubmitResponse]:
    secret = generate_webhook_secret() if data.webhook_url else None
    row, created = await service.submit(
        principal.tenant, kind, data, idempotency_key=idempotency_key, webhook_secret=secret
    )
    body = SubmitResponse(
        job_id=row.id,
        status=row.status,
        status_url=f"{API_PREFIX}/video/status/{row.id}",
        events_url=f"{API_PREFIX}/jobs/{row.id}/events",
        webhook_secret=row.webhook_secret,
    )
    headers = {"Location": f"{API_PREFIX}/jobs/{row.id}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=202, headers=headers)


class VideoController(Controller):
    path = "/video"
    tags = ["video (original AI Studio routes)"]  # noqa: RUF012 - Litestar reads it

    @post(
        "/generate-promo-video",
        status_code=202,
        summary="Make a product-only promo video",
        opt={PROBLEMS_OPT: (409, 415)},
    )
    async def promo(
        self,
        service: Service,
        principal: Caller,
        data: JSONBody[VideoRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmitResponse]:
        return await submit_job(service, principal, "promo", data, idempotency_key)

    @post(
        "/generate-fashion-video",
        status_code=202,
        summary="Make a fashion film",
        opt={PROBLEMS_OPT: (409, 415)},
    )
    async def fashion(
        self,
        service: Service,
        principal: Caller,
        data: JSONBody[VideoRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmitResponse]:
        return await submit_job(service, principal, "fashion", data, idempotency_key)

    @post(
        "/generate-ugc-video",
        status_code=202,
        summary="Make a creator-style UGC clip",
        opt={PROBLEMS_OPT: (409, 415)},
    )
    async def ugc(
        self,
        service: Service,
        principal: Caller,
        data: JSONBody[VideoRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmitResponse]:
        return await submit_job(service, principal, "ugc", data, idempotency_key)

    @get("/status/{job_id:str}", summary="Job status (original fields + stage/progress/QA)")
    async def status(
        self, service: Service, principal: Caller, links: SignedLinks, job_id: FromPath[str]
    ) -> StatusView:
        row = await service.get(principal.tenant, job_id)
        return status_view(row, links.assets(row), links.image_url(row))

    @get(
        "/download/{job_id:str}",
        summary="The job's first MP4 (Range supported)",
        opt={PROBLEMS_OPT: (416,)},
        media_type="video/mp4",
    )
    async def download(
        self,
        request: Request[Any, Any, State],
        service: Service,
        principal: Caller,
        job_id: FromPath[str],
    ) -> Stream:
        row = await service.get(principal.tenant, job_id)
        name, record = first_video(row)
        path = await stored_file(service.toolbox.storage, record["key"], record["mime"])
        return await file_response(path, record["mime"], request.headers.get("range"), name)
