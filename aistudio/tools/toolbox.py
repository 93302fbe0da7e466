"""The Toolbox: every tool a node may call, built once from settings at start-up.

It is handed to the graph as LangGraph runtime context (`context_schema=StudioContext`), so
nodes never construct clients or read settings themselves.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from aistudio.errors import ToolUnavailable
from aistudio.settings import Settings, VideoProviderName
from aistudio.tools.audio.music import SynthMusic
from aistudio.tools.audio.soundtrack import Soundtrack
from aistudio.tools.audio.voice_piper import PiperVoiceSynth
from aistudio.tools.ffmpeg.binary import locate_ffmpeg
from aistudio.tools.ffmpeg.engine import FFmpeg
from aistudio.tools.image.background import HostedBackgroundRemover
from aistudio.tools.image.hosted import HostedImageEditor
from aistudio.tools.image.scenes import SceneMaker
from aistudio.tools.llm import llm_configured
from aistudio.tools.moderation.local import LocalModerator
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.protocols import (
    BackgroundRemover,
    ImageIngestor,
    Moderator,
    MusicSynth,
    Planner,
    Storage,
    VideoProvider,
    VoiceSynth,
)
from aistudio.tools.render.composer import VideoComposer
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.render.stills import StillsRenderer
from aistudio.tools.storage.factory import build_storage
from aistudio.tools.tracing import Tracing
from aistudio.tools.video.catalog import Catalog, load_catalog
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.hosted import HostedVideoProvider
from aistudio.tools.video.replicate import ReplicateBackend
from aistudio.tools.video.router import HostedPolicy, HostedRouter, ProviderBackend
from aistudio.tools.video.webhooks import WebhookInbox
from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.ingest import LocalIngestor
from aistudio.tools.vision.inspect import FrameInspector
from aistudio.tools.vision.ocr import TextReader


@dataclass
class Toolbox:
    settings: Settings
    storage: Storage
    planner: Planner
    ingestor: ImageIngestor
    moderator: Moderator
    video: VideoProvider
    voice: VoiceSynth
    music: MusicSynth
    ffmpeg: FFmpeg
    stills: StillsRenderer
    soundtrack: Soundtrack
    composer: VideoComposer
    inspector: FrameInspector
    tracing: Tracing
    catalog: Catalog  # every hosted model the server knows (request choices are checked on it)
    scenes: SceneMaker  # refine's picture; hosted shots' first frames
    background_remover: BackgroundRemover | None = None  # None: the local segmenter cuts


def _backend(name: str, settings: Settings) -> ProviderBackend:
    p = settings.providers
    if name == "fal":
        if settings.fal_key is None:
            raise ToolUnavailable("the fal provider needs FAL_KEY")
        endpoints = None
        if p.fal_queue_url:
            endpoints = FalEndpoints(
                queue=p.fal_queue_url,
                rest=p.fal_rest_url or p.fal_queue_url,
                cdn=p.fal_cdn_url or p.fal_queue_url,
            )
        return FalBackend(
            settings.fal_key.get_secret_value(), endpoints=endpoints, timeout_s=p.request_timeout_s
        )
    if settings.replicate_api_token is None:
        raise ToolUnavailable("the replicate provider needs REPLICATE_API_TOKEN")
    return ReplicateBackend(
        settings.replicate_api_token.get_secret_value(),
        base_url=p.replicate_base_url,
        timeout_s=p.request_timeout_s,
    )


@dataclass
class _Hosted:
    """The hosted providers' shared parts, built once: one SDK client per provider."""

    settings: Settings
    storage: Storage
    catalog: Catalog
    backends: dict[str, ProviderBackend] = field(default_factory=dict)

    def backend(self, name: str) -> ProviderBackend:
        if name not in self.backends:
            self.backends[name] = _backend(name, self.settings)
        return self.backends[name]

    def policy(self) -> HostedPolicy:
        p = self.settings.providers
        return HostedPolicy(
            attempts=p.call_attempts,
            backoff_s=p.backoff_s,
            call_timeout_s=p.request_timeout_s,
            poll_initial_s=p.poll_initial_s,
            poll_max_s=p.poll_max_s,
            deadline_s=p.shot_deadline_s,
        )

    def webhook_url(self, name: str) -> str | None:
        base = self.settings.providers.webhook_base_url
        return f"{base.rstrip('/')}/api/v1/providers/{name}/webhook" if base else None

    def router(self, name: str) -> HostedRouter:
        return HostedRouter(
            self.backend(name),
            self.catalog,
            self.storage,
            policy=self.policy(),
            inbox=WebhookInbox(self.storage),
            webhook_url=self.webhook_url(name),
        )


def _scenes(hosted: _Hosted, local: LocalVideoProvider, inspector: FrameInspector) -> SceneMaker:
    """Scenes from the image provider's edit models (AISTUDIO_PROVIDERS__IMAGE or
    SERVICE_TYPE), else the local compositor's keyframes."""
    settings = hosted.settings
    name = settings.image_provider
    models = settings.providers.image_models.get(name, ()) if name != "local" else ()
    editor = HostedImageEditor(hosted.router(name), models) if models else None
    return SceneMaker(editor, local, hosted.storage, inspector, settings.qa.min_fidelity_inliers)


def _background_remover(hosted: _Hosted) -> BackgroundRemover | None:
    """The image provider's background-removal models; None: the local segmenter cuts."""
    name = hosted.settings.image_provider
    models = hosted.settings.providers.cutout_models.get(name, ()) if name != "local" else ()
    return HostedBackgroundRemover(hosted.router(name), models) if models else None


def _video_provider(
    hosted: _Hosted, local: LocalVideoProvider, scenes: SceneMaker
) -> VideoProvider:
    """The local compositor, or a hosted provider (fal / Replicate) that animates a scene
    (an image model configured) or the local compositor's keyframe, chosen by settings
    (AISTUDIO_PROVIDERS__VIDEO or SERVICE_TYPE)."""
    settings = hosted.settings
    name = settings.video_provider
    if name == "local":
        return local
    router = hosted.router(name)
    return HostedVideoProvider(
        router.backend,
        hosted.catalog,
        settings.providers.video_models.get(name, {}),
        hosted.storage,
        local,
        policy=router.policy,
        inbox=router.inbox,
        webhook_url=router.webhook_url,
        scenes=scenes,
    )


# The OpenAI-backed tools are imported only when settings select them: langchain-openai
# alone adds ~1.5 s to every start of the embedded default, which never uses it.


def _planner(
    settings: Settings, ingestor: ImageIngestor, storage: Storage
) -> tuple[Planner, ImageIngestor]:
    """The LLM agents (each falling back to the offline planner on unusable answers) and a
    vision reading of the photo after ingest when a chat model is configured (OpenAI key or
    base URL); the offline planner and the plain ingestor otherwise."""
    offline = OfflinePlanner(
        max_words_per_second=settings.qa.max_words_per_second,
        voice_tail_s=settings.qa.voice_tail_s,
        fps=settings.render.fps,
    )
    if not llm_configured(settings):
        return offline, ingestor
    from aistudio.tools.planner.llm import LLMPlanner
    from aistudio.tools.vision.analysis import AnalysingIngestor

    planner = LLMPlanner(settings, offline)
    return planner, AnalysingIngestor(ingestor, planner, storage)


def _moderator(settings: Settings, people: PeopleDetector) -> Moderator:
    """OpenAI moderation when asked for, or by default when an OpenAI key is set."""
    choice = settings.llm.moderation
    if choice is None:
        choice = "openai" if settings.openai_api_key is not None else "local"
    if choice == "local":
        return LocalModerator(settings.qa.nsfw_threshold, people)
    if not llm_configured(settings):
        raise ToolUnavailable("OpenAI moderation needs OPENAI_API_KEY (or AISTUDIO_LLM__BASE_URL)")
    from aistudio.tools.moderation.openai import OpenAIModerator

    return OpenAIModerator(settings)


def _voice(settings: Settings) -> VoiceSynth:
    if settings.llm.voice == "piper":
        return PiperVoiceSynth()
    if not llm_configured(settings):
        raise ToolUnavailable("the OpenAI voice needs OPENAI_API_KEY (or AISTUDIO_LLM__BASE_URL)")
    from aistudio.tools.audio.voice_openai import OpenAIVoiceSynth

    return OpenAIVoiceSynth(settings)


def build_toolbox(settings: Settings) -> Toolbox:
    """The embedded default: everything local, no keys, no servers; the LLM agents, OpenAI
    moderation and OpenAI speech when settings ask for them.

    Construction is cheap: models (voice, OCR, moderation) and clients load lazily on first use.
    """
    storage = build_storage(settings)
    ocr = TextReader()
    people = PeopleDetector()  # one ONNX session shared by moderation and QA
    ffmpeg = FFmpeg(locate_ffmpeg(settings.ffmpeg_binary), settings.render.ffmpeg_timeout_s)
    voice, music = _voice(settings), SynthMusic()
    stills = StillsRenderer(storage, settings.render.motion_headroom)
    inspector = FrameInspector(ocr, people)
    hosted = _Hosted(settings, storage, load_catalog(settings.providers.catalog_path))
    remover = _background_remover(hosted)
    local_ingestor = LocalIngestor(
        storage,
        settings.limits,
        ocr,
        people=people,
        # With an image provider's cut-out model configured, its mask is scored like
        # GrabCut's and used when it passes; GrabCut (or the whole photo) otherwise.
        remover=remover,
        min_cutout_quality=settings.qa.min_cutout_quality,
    )
    planner, ingestor = _planner(settings, local_ingestor, storage)
    local = LocalVideoProvider(storage, settings.render.motion_headroom)
    scenes = _scenes(hosted, local, inspector)
    return Toolbox(
        settings=settings,
        storage=storage,
        planner=planner,
        ingestor=ingestor,
        moderator=_moderator(settings, people),
        video=_video_provider(hosted, local, scenes),
        voice=voice,
        music=music,
        ffmpeg=ffmpeg,
        stills=stills,
        soundtrack=Soundtrack(storage, voice, music, ffmpeg, settings.render),
        composer=VideoComposer(storage, stills, ffmpeg, settings.render),
        inspector=inspector,
        tracing=Tracing(settings),
        catalog=hosted.catalog,
        scenes=scenes,
        background_remover=remover,
    )


@functools.cache
def _studio_toolbox(data_dir: str | None, video_provider: VideoProviderName | None) -> Toolbox:
    # Only a run nobody handed a toolbox (LangGraph Studio, `langgraph dev`) comes here: it
    # runs the graph without our CLI or server, so the toolbox is built from the environment
    # at run time, once per process and choice.
    settings = Settings(data_dir=Path(data_dir)) if data_dir else Settings()
    if video_provider is not None:
        providers = settings.providers.model_copy(update={"video": video_provider})
        settings = settings.model_copy(update={"providers": providers})
    return build_toolbox(settings)


# The toolbox the nodes call is no part of the context's schema (a toolbox is clients and
# protocols, not data): whoever runs a graph hands theirs in (`StudioContext.of(toolbox)`:
# the job runner, quotes). A run started without one (LangGraph Studio) gets a toolbox built
# from the environment's Settings with the choices below, which Studio shows as a form.
class StudioContext(BaseModel):
    """How a run's tools are set up (by default, from the environment's settings)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    data_dir: str | None = Field(
        default=None,
        description="Where a Studio run keeps its media and files (default: AISTUDIO_DATA_DIR).",
    )
    video_provider: VideoProviderName | None = Field(
        default=None,
        description="Who renders the shots: local, fal or replicate (default: the settings').",
    )
    _toolbox: Toolbox | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, toolbox: Toolbox) -> Self:
        context = cls()
        context._toolbox = toolbox
        return context

    @property
    def toolbox(self) -> Toolbox:
        if self._toolbox is None:
            self._toolbox = _studio_toolbox(self.data_dir, self.video_provider)
        return self._toolbox

    async def prepare(self) -> Toolbox:
        """The toolbox, built off the event loop on first use (building reads settings and
        probes binaries: blocking I/O)."""
        if self._toolbox is None:
            built = await asyncio.to_thread(_studio_toolbox, self.data_dir, self.video_provider)
            self._toolbox = built
        return self._toolbox
