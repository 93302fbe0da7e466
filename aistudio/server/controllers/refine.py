"""POST /generation/refine: a refined prompt and the product photographed in a new scene.

The photo at `image_link` is fetched SSRF-safely (the submission intake), the planning
half of the video graph writes the scene, and the local compositor draws the first shot's
keyframe as the picture. It takes about a second or two on two cores, so it answers
within the request instead of queueing a job.
"""

from __future__ import annotations

import asyncio

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from aistudio.artifacts import AspectRatio, JobKind
from aistudio.jobs import intake, planning
from aistudio.jobs.requests import RequestBody, VideoRequest, VisibleText
from aistudio.jobs.service import new_job_id
from aistudio.server.controllers.quote import provide_planning_slots
from aistudio.server.deps import Caller, Service, SignedLinks
from aistudio.server.results import publish_result
from aistudio.server.schemas import AssetInfo


class RefineRequest(RequestBody):
    content: VisibleText = Field(min_length=3, max_length=4000, description="The product brief.")
    image_link: str = Field(
        min_length=1, max_length=2048, description="http(s) URL of the product photo."
    )
    kind: JobKind = "promo"
    aspect_ratio: AspectRatio = "9:16"


class RefineResponse(BaseModel):
    refine_id: str
    refined_prompt: str = Field(description="The brief rewritten as a scene prompt.")
    title: str
    image_url: str | None = Field(description="Signed link to the PNG; expires.")
    image: AssetInfo


class RefineController(Controller):
    path = "/generation"
    tags = ["quotes and refines"]  # noqa: RUF012 - Litestar reads it
    dependencies = {  # noqa: RUF012 - Litestar reads it
        "planning_slots": Provide(provide_planning_slots, sync_to_thread=False),
    }

    @post(
        "/refine",
        status_code=200,
        summary="Refined prompt + the product in a new scene",
        description="Fetches `image_link` (public addresses only), plans the scene like a "
        "video's first shot and draws it with the local compositor. Nothing is rendered "
        "by a paid provider.",
    )
    async def refine(
        self,
        service: Service,
        principal: Caller,
        links: SignedLinks,
        planning_slots: NamedDependency[asyncio.Semaphore],
        data: JSONBody[RefineRequest],
    ) -> RefineResponse:
        settings, tools = service.settings, service.toolbox
        request = VideoRequest(
            content=data.content,
            reference_image_url=data.image_link,
            aspect_ratios=[data.aspect_ratio],
        )
        brief = intake.build_brief(data.kind, request, settings)
        fetched = await intake.reference_bytes(request, settings, url_field="image_link")
        photo = await intake.store_photo(tools, fetched)
        refine_id = new_job_id("refine")
        async with planning_slots:
            job = await planning.plan_job(tools, brief, photo, refine_id)
            still = await planning.scene_still(tools, job)
        image = await publish_result(tools.storage, links, refine_id, "scene.png", still)
        return RefineResponse(
            refine_id=refine_id,
            refined_prompt=job.plan.shots[0].prompt,
            title=job.concept.title,
            image_url=image.url,
            image=image,
        )
