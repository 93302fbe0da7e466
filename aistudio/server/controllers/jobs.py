"""Generic job routes: list, get, events (SSE), cancel, assets, and the signed file route."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage, Stream

from aistudio.artifacts import JobKind
from aistudio.errors import InputError, NotFound
from aistudio.pipeline import FINAL_STATUSES, TERMINAL_EVENT, JobStatus
from aistudio.server.deps import Caller, Service, SignedLinks, job_file
from aistudio.server.downloads import check_signed_link, file_response, stored_file
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import AssetList, JobPage, JobView, job_view

KEEPALIVE_S = 15.0


def _last_event_id(header: str | None, query: int | None) -> int:
    if query is not None:
        return query
    if not header:
        return 0
    try:
        return max(0, int(header.strip()))
    except ValueError as exc:
        raise InputError("Last-Event-ID must be an event id this stream sent") from exc


async def _events(
    service: Service, job_id: str, after: int
) -> AsyncIterator[ServerSentEventMessage]:
    """The job's events after `after`, as they are written by whichever process runs it."""
    quiet_since = time.monotonic()
    while True:
        records = await service.store.events_after(job_id, after)
        if not records:
            row = await service.store.get(job_id)
            if row is None or row.status in FINAL_STATUSES:
                # The terminal event is written with the final status: read once more.
                records = await service.store.events_after(job_id, after)
                if not records:
                    return
        for record in records:
            after = int(record["seq"])
            yield ServerSentEventMessage(
                data=json.dumps(record), event=str(record.get("event", "message")), id=after
            )
            if record.get("event") == TERMINAL_EVENT:
                return
        if records:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ServerSentEventMessage(comment="keep-alive")
        await service.wait_for_change(job_id)


class JobsController(Controller):
    path = "/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @get(
        "/",
        summary="The caller's jobs, newest first",
        description="`parent_id` lists the jobs made from that one: its remixes and shot revises.",
    )
    async def list_jobs(
        self,
        service: Service,
        principal: Caller,
        links: SignedLinks,
        kind: FromQuery[JobKind | None] = None,
        status: FromQuery[JobStatus | None] = None,
        parent_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=400)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> JobPage:
        page = await service.store.list(
            principal.tenant,
            kind=kind,
            status=status,
            parent_id=parent_id,
            cursor=cursor,
            limit=limit,
        )
        return JobPage(
            items=[job_view(r, links.assets(r), links.image_url(r)) for r in page.items],
            next_cursor=page.next_cursor,
        )

    @get("/{job_id:str}", summary="One job")
    async def get_job(
        self, service: Service, principal: Caller, links: SignedLinks, job_id: FromPath[str]
    ) -> JobView:
        row = await service.get(principal.tenant, job_id)
        return job_view(row, links.assets(row), links.image_url(row))

    @get(
        "/{job_id:str}/events",
        summary="The job's events as Server-Sent Events",
        description="Every event has an id (its sequence number in the job); reconnect with "
        "Last-Event-ID to resume. The stream ends after the `job_result` event.",
    )
    async def events(
        self,
        service: Service,
        principal: Caller,
        job_id: FromPath[str],
        last_event_id_header: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", required=False, max_length=20)
        ] = None,
        last_event_id: Annotated[int | None, QueryParameter(ge=0, required=False)] = None,
    ) -> ServerSentEvent:
        await service.get(principal.tenant, job_id)
        after = _last_event_id(last_event_id_header, last_event_id)
        return ServerSentEvent(_events(service, job_id, after))

    @delete(
        "/{job_id:str}",
        status_code=204,
        summary="Delete a finished job",
        description="Removes the job's record, events and checkpoints, and its stored files "
        "that no other job shares. A queued or running job answers 409: cancel it first.",
        opt={PROBLEMS_OPT: (409,)},
    )
    async def delete_job(self, service: Service, principal: Caller, job_id: FromPath[str]) -> None:
        await service.delete(principal.tenant, job_id)

    @post(
        "/{job_id:str}/cancel",
        status_code=200,
        summary="Stop the job",
        opt={PROBLEMS_OPT: (409,)},
    )
    async def cancel(
        self, service: Service, principal: Caller, links: SignedLinks, job_id: FromPath[str]
    ) -> JobView:
        row = await service.cancel(principal.tenant, job_id)
        return job_view(row, links.assets(row), links.image_url(row))

    @get("/{job_id:str}/assets", summary="The job's files as signed, expiring links")
    async def assets(
        self, service: Service, principal: Caller, links: SignedLinks, job_id: FromPath[str]
    ) -> AssetList:
        row = await service.get(principal.tenant, job_id)
        return AssetList(job_id=row.id, status=row.status, assets=links.assets(row))


class AssetFilesController(Controller):
    """The target of signed links: no API key, the signature is the credential."""

    path = "/assets"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @get(
        "/{job_id:str}/{name:str}",
        summary="A job file through a signed link",
        opt={PROBLEMS_OPT: (416,)},
        media_type="application/octet-stream",
    )
    async def file(
        self,
        request: Request[Any, Any, State],
        service: Service,
        links: SignedLinks,
        job_id: FromPath[str],
        name: FromPath[str],
        expires: Annotated[str | None, QueryParameter(max_length=20)] = None,
        sig: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Stream:
        check_signed_link(links.secret, links.asset_path(job_id, name), job_id, expires, sig)
        row = await service.store.get(job_id)
        record = job_file(row, name) if row is not None else None
        if record is None:
            raise NotFound("no such file")
        path = await stored_file(service.toolbox.storage, record["key"], record["mime"])
        return await file_response(path, record["mime"], request.headers.get("range"), name)
