"""Generic job routes: list, get, events (SSE), cancel, assets, and the signed file route."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, get, post
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


def _read_since(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Whole journal lines after byte `offset` (a line still being written waits)."""
    if not path.exists():
        return [], offset
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1
    lines = data[:end].decode().splitlines()
    return [json.loads(line) for line in lines if line.strip()], offset + end


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
    path = service.settings.data_dir / "jobs" / job_id / "events.jsonl"
    offset, quiet = 0, 0.0
    while True:
        records, offset = await asyncio.to_thread(_read_since, path, offset)
        fresh = [r for r in records if int(r.get("seq", 0)) > after]
        for record in fresh:
            after = int(record["seq"])
            yield ServerSentEventMessage(
                data=json.dumps(record), event=str(record.get("event", "message")), id=after
            )
            if record.get("event") == TERMINAL_EVENT:
                return
        if not fresh:
            row = await service.store.get(job_id)
            if row is None or row.status in FINAL_STATUSES:
                return  # finished before the terminal event existed: nothing more will come
            quiet += 1.0
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ServerSentEventMessage(comment="keep-alive")
        else:
            quiet = 0.0
        await service.wait_for_change(job_id, 1.0)


class JobsController(Controller):
    path = "/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @get("/", summary="The caller's jobs, newest first")
    async def list_jobs(
        self,
        service: Service,
        principal: Caller,
        links: SignedLinks,
        kind: FromQuery[JobKind | None] = None,
        status: FromQuery[JobStatus | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=400)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> JobPage:
        page = await service.store.list(
            principal.tenant, kind=kind, status=status, cursor=cursor, limit=limit
        )
        rows = [service.with_live_progress(row) for row in page.items]
        return JobPage(
            items=[job_view(r, links.assets(r), links.image_url(r)) for r in rows],
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
        description="Every event has an id (its journal sequence number); reconnect with "
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
