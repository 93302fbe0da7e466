"""POST /generation/refine: a refined prompt and the product photographed in a new scene.

The photo at `image_link` is fetched SSRF-safely (the submission intake) and the planning
half of the video graph writes the scene. With an image model configured (SERVICE_TYPE or
AISTUDIO_PROVIDERS__IMAGE, or the body's `image_model`), that model draws the scene from
the photo and the first shot's prompt, and the scene must keep the product (fidelity
check; remade once); otherwise, or when it loses the product twice, the local compositor
draws the first shot's keyframe. The answer says which. Locally it takes a second or two
on two cores, so it answers within the request instead of queueing a job.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from aistudio.artifacts import AspectRatio, JobKind
from aistudio.graph import preview
from aistudio.graph.planning import run_planning
from aistudio.jobs import intake
from aistudio.jobs.requests import RequestBody, VideoRequest, VisibleText
from aistudio.jobs.service import new_job_id
from aistudio.server.controllers.quote import provide_planning_slots
from aistudio.server.deps import Caller, Service, SignedLinks
from aistudio.server.openapi import PROBLEMS_OPT
from aistudio.server.results import publish_result
from aistudio.server.schemas import AssetInfo


class RefineRequest(RequestBody):
    content: VisibleText = Field(min_length=3, max_length=4000, description="The product brief.")
    image_link: str = Field(
        min_length=1, max_length=2048, description="http(s) URL of the product photo."
    )
    kind: JobKind = "promo"
    aspect_ratio: AspectRatio = "9:16"
    image_model: str | None = Field(
        default=None,
        max_length=200,
        description="A catalog id of the server's image provider (default: its list).",
    )
    video_model: str | None = Field(
        default=None,
        max_length=200,
        description="Checked like a video body's (a refine renders no video).",
    )


class SceneSource(BaseModel):
    made_by: Literal["image_model", "local_compositor"]
    model: str | None = Field(description="The image model whose scene is the picture.")
    fidelity_inliers: list[int] = Field(
        description="Product-fidelity inliers of each scene the image model made, in order."
    )
    min_inliers: int = Field(description="The pass mark a scene must reach.")
    fallback_reason: str | None = Field(description="Why the local compositor drew it.")


class RefineResponse(BaseModel):
    refine_id: str
    refined_prompt: str = Field(description="The brief rewritten as a scene prompt.")
    title: str
    image_url: str | None = Field(description="Signed link to the PNG; expires.")
    image: AssetInfo
    scene: SceneSource


class RefineController(Controller):
    path = "/generation"
    tags = ["quotes and refines"]  # noqa: RUF012 - Litestar reads it
    dependencies = {  # noqa: RUF012 - Litestar reads it
        "planning_slots": Provide(provide_planning_slots, sync_to_thread=False),
    }

    @post(
        "/refine",
        status_code=200,
        opt={PROBLEMS_OPT: (415,)},
        summary="Refined prompt + the product in a new scene",
        description="Fetches `image_link` (public addresses only), plans the scene like a "
        "video's first shot and draws it with the configured image model (the product "
        "must survive a fidelity check; remade once), else with the local compositor. "
        "`scene` says which.",
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
            image_model=data.image_model,
            video_model=data.video_model,
        )
        brief = intake.build_brief(data.kind, request, settings)
        intake.check_models(tools, brief)
        fetched = await intake.reference_bytes(request, settings, url_field="image_link")
        photo = await intake.store_photo(tools, fetched)
        refine_id = new_job_id("refine")
        async with planning_slots:
            job = await run_planning(tools, brief, photo, refine_id)
            still = await preview.scene_still(tools, job, refine_id)
        image = await publish_result(tools.storage, links, refine_id, "scene.png", still.picture)
        record = still.scene.record
        return RefineResponse(
            refine_id=refine_id,
            refined_prompt=job.plan.shots[0].prompt,
            title=job.concept.title,
            image_url=image.url,
            image=image,
            scene=SceneSource(
                made_by="image_model" if record.source == "scene" else "local_compositor",
                model=still.scene.model,
                fidelity_inliers=list(record.fidelity_inliers),
                min_inliers=record.min_inliers,
                fallback_reason=record.reason or None,
            ),
        )
