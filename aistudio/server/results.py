"""Files made by a request rather than a job (a quote's storyboard, a refined image),
reached through signed, expiring links like job assets.

There is no row to look them up in: the storage memo maps (result id, file name) to the
stored asset, and the signature over the path is the credential, exactly as for
`/assets/{job_id}/{name}`. Result ids are random, so a link cannot be guessed either.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from aistudio.artifacts import Asset
from aistudio.errors import NotFound
from aistudio.server.deps import API_PREFIX, Links, Service, SignedLinks
from aistudio.server.downloads import check_signed_link, file_response
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.schemas import AssetInfo
from aistudio.server.signing import sign_path
from aistudio.tools.protocols import Storage


def result_path(result_id: str, name: str) -> str:
    return f"{API_PREFIX}/results/{result_id}/{name}"


def _memo_key(result_id: str, name: str) -> str:
    return f"result:{result_id}:{name}"


async def publish_result(
    storage: Storage, links: Links, result_id: str, name: str, asset: Asset
) -> AssetInfo:
    """Make `asset` reachable as `name` of `result_id`; a signed link to it."""
    await storage.remember(_memo_key(result_id, name), asset)
    expires = int(time.time()) + links.ttl_s
    signed = sign_path(links.secret, result_path(result_id, name), expires_at=expires)
    return AssetInfo(
        name=name, mime=asset.mime, url=links.base_url.rstrip("/") + signed, expires_at=expires
    )


class ResultFilesController(Controller):
    """The target of a quote's or refine's signed links: no API key, the signature is the
    credential."""

    path = "/results"
    tags = ["quotes and refines"]  # noqa: RUF012 - Litestar reads it

    @get(
        "/{result_id:str}/{name:str}",
        opt={PROBLEMS_OPT: (416,)},
        summary="A quote's or refine's file (signed link)",
        media_type="application/octet-stream",
    )
    async def file(
        self,
        request: Request[Any, Any, State],
        service: Service,
        links: SignedLinks,
        result_id: FromPath[str],
        name: FromPath[str],
        expires: Annotated[str | None, QueryParameter(max_length=20)] = None,
        sig: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Stream:
        check_signed_link(links.secret, result_path(result_id, name), result_id, expires, sig)
        storage = service.toolbox.storage
        asset = await storage.recall(_memo_key(result_id, name))
        if asset is None:
            raise NotFound("no such file")
        path = await storage.path_of(asset)
        return await file_response(path, asset.mime, request.headers.get("range"), name)
