"""The brief agent's parts for the API: the chat model, the planning previewer whose
storyboards get signed links, and the per-tenant job desk, assembled at start-up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aistudio.artifacts import Asset, Brief
from aistudio.brief_draft import PlanPreview
from aistudio.graph.brief import PlanningPreviewer
from aistudio.graph.checkpoint import open_saver
from aistudio.jobs.brief_desk import ThreadDesk
from aistudio.jobs.conversations import Conversations
from aistudio.jobs.service import JobService
from aistudio.jobs.store import JobStore
from aistudio.jobs.threads import ThreadStore
from aistudio.nodes.brief_ports import BriefContext
from aistudio.server.deps import Links
from aistudio.server.results import publish_result
from aistudio.tools.llm import make_brief_chat_model


class PublishingPreviewer:
    """A previewer whose storyboard comes back with a signed, expiring link."""

    def __init__(self, inner: PlanningPreviewer, links: Links) -> None:
        self.inner = inner
        self.links = links

    async def preview(
        self, brief: Brief, reference: Asset, label: str, *, storyboard: bool
    ) -> PlanPreview:
        preview = await self.inner.preview(brief, reference, label, storyboard=storyboard)
        if preview.storyboard is None:
            return preview
        result_id = f"preview-{uuid.uuid4().hex[:12]}"
        info = await publish_result(
            self.inner.toolbox.storage, self.links, result_id, "storyboard.png", preview.storyboard
        )
        return preview.model_copy(update={"storyboard_url": info.url})


@asynccontextmanager
async def open_conversations(
    service: JobService, store: JobStore, links: Links
) -> AsyncIterator[Conversations]:
    tools, settings = service.toolbox, service.settings
    # ChatOpenAI reads CA certificates when built: off the loop.
    chat = await asyncio.to_thread(make_brief_chat_model, settings)
    previewer = PublishingPreviewer(PlanningPreviewer(tools), links)

    def context(tenant: str) -> BriefContext:
        """Each run's runtime context: the shared tools, the tenant's own job desk."""
        desk = ThreadDesk(service, tenant)
        return BriefContext.serving(tools, chat=chat, desk=desk, previewer=previewer)

    conversations = Conversations(
        ThreadStore(store.engine),
        context,
        lambda: open_saver(settings),
        tracing=tools.tracing,
    )
    async with conversations:
        yield conversations
