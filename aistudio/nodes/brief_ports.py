"""The brief agent's state, its runtime context, and the two ports through which it reaches
floors above it: the job system (`JobDesk`: render, job status) and the planning subgraph
(`Previewer`). Whoever runs the graph (the server, LangGraph Studio, a test) hands them
down in the context; the graph never imports jobs."""

from __future__ import annotations

import asyncio
import functools
import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol, Self

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from pydantic import Field, PrivateAttr
from typing_extensions import TypedDict

from aistudio.artifacts import Asset, Brief
from aistudio.brief_draft import BriefDraft, JobTicket, PlanPreview
from aistudio.tools.chat.offline import OfflineChatModel
from aistudio.tools.llm import make_brief_chat_model
from aistudio.tools.toolbox import StudioContext, Toolbox


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


ChatChoice = Literal["configured", "offline"]


class BriefContext(StudioContext):
    """Runtime context of the brief graph.

    Its fields are data (LangGraph Studio shows them as a form): where a Studio run keeps
    its files, who would render, and which chat model answers. The parts it runs on are
    private and never part of its schema: whoever serves the graph hands in its toolbox,
    chat model, job desk and planning previewer (`BriefContext.serving`); a run that got
    none (Studio, `langgraph dev`) builds the toolbox and chat model from the environment's
    Settings and is handed the planning previewer by the graph (`prepare_ports`). With no job
    desk, `render` and `job_status` answer the model that they are not available here."""

    chat_model: ChatChoice = Field(
        default="configured",
        description="Who answers: the configured LLM (the offline grammar model when none "
        "is configured), or the offline grammar model whatever is configured.",
    )
    _chat: BaseChatModel | None = PrivateAttr(default=None)
    _desk: JobDesk | None = PrivateAttr(default=None)
    _previewer: Previewer | None = PrivateAttr(default=None)

    @classmethod
    def serving(
        cls,
        toolbox: Toolbox,
        *,
        chat: BaseChatModel | None = None,
        desk: JobDesk | None = None,
        previewer: Previewer | None = None,
    ) -> Self:
        """The context a server hands each run: its own toolbox and ports."""
        context = cls.of(toolbox)
        context._chat, context._desk, context._previewer = chat, desk, previewer
        return context

    @property
    def desk(self) -> JobDesk | None:
        return self._desk

    @property
    def previewer(self) -> Previewer | None:
        return self._previewer

    async def prepare_ports(self, previewer: Callable[[Toolbox], Previewer]) -> Toolbox:
        """The toolbox (built off the loop on first use), and the planning previewer the
        graph offers when nobody handed one in."""
        toolbox = await self.prepare()
        if self._previewer is None:
            self._previewer = previewer(toolbox)
        return toolbox

    async def chat(self) -> BaseChatModel:
        """The chat model handed in, else the one the settings and `chat_model` choose."""
        if self._chat is None:
            settings = (await self.prepare()).settings
            if self.chat_model == "offline":
                self._chat = OfflineChatModel()
            else:
                # ChatOpenAI loads CA certificates when built: off the loop.
                self._chat = await asyncio.to_thread(make_brief_chat_model, settings)
        return self._chat


@functools.cache
def _context_for_runs_without_one() -> BriefContext:
    # A run given no context at all (context=None: a script, or Studio sending none) gets
    # one shared context, so what its first node prepares its later nodes find.
    return BriefContext()


def brief_context(runtime: Runtime[BriefContext] | Any) -> BriefContext:
    context = runtime.context
    if context is None:
        return _context_for_runs_without_one()
    if not isinstance(context, BriefContext):
        raise TypeError(f"the brief graph needs a BriefContext, not {type(context).__name__}")
    return context


def thread_of(config: Any) -> str:
    configurable = (config or {}).get("configurable") or {}
    return str(configurable.get("thread_id") or "")
