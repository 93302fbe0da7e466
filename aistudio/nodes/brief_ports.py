"""The brief agent's state, its runtime context, and the two ports through which it reaches
floors above it: the job system (`JobDesk`: render, job status) and the planning subgraph
(`Previewer`). Whoever runs the graph (the server, LangGraph Studio, a test) hands them
down in the context; the graph never imports jobs."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from aistudio.artifacts import Asset, Brief
from aistudio.brief_draft import BriefDraft, JobTicket, PlanPreview
from aistudio.settings import Settings
from aistudio.tools.toolbox import Toolbox, build_toolbox


class BriefInput(TypedDict):
    """What a run takes: new messages (a photo as an image content block, or a URL)."""

    messages: Annotated[list[AnyMessage], add_messages]


def merge_brief(current: BriefDraft | None, update: BriefDraft | dict[str, Any]) -> BriefDraft:
    """The `brief` channel's reducer: a draft replaces it, a dict changes those fields.
    Tools write the fields they changed, so two tools of one step (update_brief and
    analyze_reference) both land; every write is validated."""
    if isinstance(update, BriefDraft):
        return update
    base = (current or BriefDraft()).model_dump()
    return BriefDraft.model_validate({**base, **update})


class BriefState(BriefInput, total=False):
    brief: Annotated[BriefDraft, merge_brief]
    photos: dict[str, Asset]  # attachment name ("photo-1") -> the stored photo
    preview: PlanPreview | None  # the last storyboard / cost preview
    jobs: Annotated[list[str], operator.add]  # ids of the jobs this thread rendered


class JobDesk(Protocol):
    """The job system as the brief agent sees it (implemented in `aistudio.jobs`)."""

    async def render(self, draft: BriefDraft, thread_id: str) -> JobTicket:
        """Queue a video job for the draft (which has a photo); the job remembers the thread."""
        ...

    async def status(self, job_id: str | None, thread_id: str) -> JobTicket | None:
        """One job of the thread (its newest when `job_id` is None); None when it has none."""
        ...


class Previewer(Protocol):
    """The planning subgraph: the plan, storyboard and price of a brief, nothing rendered."""

    async def preview(
        self, brief: Brief, reference: Asset, label: str, *, storyboard: bool
    ) -> PlanPreview: ...


def _settings_toolbox() -> Toolbox:
    # Only LangGraph Studio takes this path: it runs the graph without our server.
    return build_toolbox(Settings())


@dataclass
class BriefContext:
    """Runtime context of the brief graph. `chat` None: built from the toolbox's settings
    (the configured LLM, else the offline grammar model). `desk` / `previewer` None: those
    tools answer that they are not available here."""

    toolbox: Toolbox = field(default_factory=_settings_toolbox)
    chat: BaseChatModel | None = None
    desk: JobDesk | None = None
    previewer: Previewer | None = None


def brief_context(runtime: Runtime[BriefContext] | Any) -> BriefContext:
    context = runtime.context
    if not isinstance(context, BriefContext):
        raise TypeError("the brief graph was invoked without a BriefContext (context=...)")
    return context


def thread_of(config: Any) -> str:
    configurable = (config or {}).get("configurable") or {}
    return str(configurable.get("thread_id") or "")
