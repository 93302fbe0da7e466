"""Application settings: built once at start-up (CLI, server, worker) and passed down.

Nothing in the package reads the environment except `Settings()` here. Every knob has a
default that works on a fresh clone with no keys and no servers (the embedded default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MediaLimits(BaseSettings):
    """Caps applied to every uploaded or fetched reference image."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000  # anything larger is treated as a decompression bomb
    max_side_px: int = 12_000
    min_side_px: int = 64
    working_side_px: int = 2048  # normalised copy is downscaled to this long side


class RenderSettings(BaseSettings):
    """Knobs of the local renderer and encoder."""

    fps: int = 30
    x264_preset: str = "veryfast"
    x264_crf: int = 20
    audio_bitrate: str = "192k"
    sample_rate: int = 48_000
    target_lufs: float = -14.0
    true_peak_db: float = -1.0
    ffmpeg_timeout_s: float = 300.0
    motion_headroom: float = 1.18  # keyframes are rendered this much larger than the frame


class QASettings(BaseSettings):
    """Thresholds of the plan and output checks."""

    max_words_per_second: float = 2.6
    voice_tail_s: float = 0.3
    duration_tolerance_s: float = 0.25
    lufs_tolerance: float = 0.5  # every output within ±0.5 LU of the target
    min_fidelity_inliers: int = 12
    min_caption_similarity: float = 0.6
    min_sharpness: float = 35.0
    max_black_s: float = 0.5
    max_freeze_s: float = 2.5
    max_silence_s: float = 1.5
    nsfw_threshold: float = 0.7
    # A cut-out scoring below this is not used: the renderer shows the whole photo instead
    # (aistudio/tools/vision/cutout_quality.py; calibrated on tests/corpus/photos).
    min_cutout_quality: float = Field(default=0.5, ge=0.0, le=1.0)
    # The most alike pair of shots may be at most this similar (tools/vision/variety.py:
    # grey-thumbnail correlation weighted by colour-histogram overlap; the same cut-out at
    # the same size on a set a touch relit measures ~0.9, real films' most alike pairs
    # 0.6-0.7: measured on tests/corpus/photos renders).
    # The most alike pair of shots (tools/vision/variety.py): one picture repeated under
    # hand-held drift measures 0.97-0.98, a wide and a medium of one cut-out ~0.77.
    max_shot_similarity: float = Field(default=0.8, ge=0.0, le=1.0)


class ServerSettings(BaseSettings):
    """The HTTP job API (`aistudio serve`).

    `dev_mode` turns authentication off: every request is tenant "dev" and no API key is
    needed. It is meant for a laptop; never expose a dev-mode server on a network.
    """

    host: str = Field(
        default="127.0.0.1", description="Address `aistudio serve` binds (--host overrides)."
    )
    port: int = Field(
        default=8000, ge=0, le=65535, description="Port `aistudio serve` binds (--port overrides)."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL of the job store; None = SQLite in the data folder. "
        "postgresql+asyncpg://user@host/db works unchanged.",
    )
    max_concurrent_jobs: int = Field(default=2, ge=1)
    max_body_bytes: int = 25 * 1024 * 1024
    max_image_b64_bytes: int = 20 * 1024 * 1024  # decoded size cap of reference_image_b64
    dev_mode: bool = False
    signing_secret: str = Field(
        default="",
        description="Secret for signed asset links; empty = a random one per process "
        "(links then die with a restart).",
    )
    asset_link_ttl_s: int = 3600
    rate_per_s: float = 20.0  # per API key
    burst: int = 40
    # Failed authentications per client address (each costs a key lookup); past the burst,
    # 429 until the bucket refills.
    auth_failure_rate_per_s: float = Field(default=0.5, gt=0)
    auth_failure_burst: int = Field(default=20, ge=1)
    fetch_allow_hosts: tuple[str, ...] = ()  # hosts reference/webhook URLs may resolve privately
    fetch_timeout_s: float = 20.0
    webhook_attempts: int = 5
    webhook_backoff_s: float = 1.0
    webhook_max_backoff_s: float = 60.0
    webhook_timeout_s: float = 10.0
    public_base_url: str = "http://127.0.0.1:8000"
    max_deadline_s: float = 24 * 3600.0  # the longest deadline_s a request may ask for
    # Several servers may share one job store: each job is leased to the server running
    # it, renewed every heartbeat; a server adopts the open jobs whose lease ran out.
    instance_id: str = Field(
        default="",
        max_length=100,
        description="This server's name on the leases it holds; empty = host name + the "
        "first free slot of the data folder (a restarted server gets its slot back).",
    )
    lease_ttl_s: float = Field(default=30.0, gt=0)
    heartbeat_s: float = Field(default=10.0, gt=0)
    admin_key: SecretStr | None = Field(
        default=None,
        description="Opens the queue monitor at /admin/queue (HTTP Basic, any user name, "
        "this as the password; or an X-Admin-Key header). None: the monitor is not mounted.",
    )


class QueueSettings(BaseModel):
    """The SAQ job queue. No URL: `aistudio serve` runs jobs itself (the embedded runner).
    With one, the API enqueues job ids and `aistudio worker` processes run them."""

    url: str | None = Field(
        default=None,
        description="postgresql://user@host/db (SAQ's Postgres queue; the job store's URL "
        "works as it is) or redis://host:6379 (needs the saq[redis] extra).",
    )
    name: str = "aistudio"
    processes: int = Field(default=1, ge=1, description="worker processes per `aistudio worker`")
    concurrency: int = Field(default=2, ge=1, description="jobs at once per worker process")
    tenant_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="at most this many of one tenant's jobs run at once (Postgres queue)",
    )
    attempts: int = Field(default=3, ge=1, description="runs of a job before it fails")
    retry_delay_s: float = Field(default=2.0, ge=0)
    heartbeat_s: int = Field(
        default=30, ge=2, description="a running job not heard from this long is swept"
    )
    sweep_s: int = Field(default=10, ge=1, description="how often workers look for swept jobs")
    timeout_s: int = Field(default=3600, ge=1, description="longest run of one attempt")
    shutdown_grace_s: int = Field(
        default=30, ge=0, description="on SIGTERM, running jobs get this long to finish"
    )


VideoProviderName = Literal["local", "fal", "replicate"]
# The original AI Studio's SERVICE_TYPE values.
SERVICE_TYPES: dict[str, VideoProviderName] = {
    "falai": "fal",
    "fal": "fal",
    "replicate": "replicate",
    "local": "local",
}


def _default_video_models() -> dict[str, dict[str, tuple[str, ...]]]:
    return {
        "fal": {
            "promo": ("seedance-2.0", "kling-3.0-pro", "wan-2.7"),
            "fashion": ("kling-3.0-pro", "veo-3.1", "wan-2.7"),
            "ugc": ("kling-3.0-pro", "wan-2.7"),
        },
        "replicate": {
            "promo": ("replicate-seedance-2.0", "replicate-kling-3.0"),
            "fashion": ("replicate-kling-3.0", "replicate-veo-3.1"),
            "ugc": ("replicate-kling-3.0", "replicate-veo-3.1"),
        },
    }


def _default_image_models() -> dict[str, tuple[str, ...]]:
    return {
        "fal": ("flux-kontext-pro", "seedream-5-lite-edit", "nano-banana-2-edit"),
        "replicate": ("replicate-flux-kontext-pro", "replicate-nano-banana-pro"),
    }


def _default_cutout_models() -> dict[str, tuple[str, ...]]:
    return {"fal": ("birefnet-v2",), "replicate": ("replicate-background-remover",)}


class ProviderSettings(BaseModel):
    """Hosted providers. Keys come from FAL_KEY / REPLICATE_API_TOKEN (see Settings)."""

    video: VideoProviderName | None = None  # None: SERVICE_TYPE, else the local renderer
    # Scenes (refine, and each hosted shot's first frame) and cut-outs: None = SERVICE_TYPE,
    # else local (the local compositor's scene, the local segmenter's cut-out).
    image: VideoProviderName | None = None
    # Model failover order per provider and job kind: catalog ids (aistudio/tools/video/
    # catalog.json, plus `catalog_path`). The first model that can make a shot gets it.
    video_models: dict[str, dict[str, tuple[str, ...]]] = Field(
        default_factory=_default_video_models
    )
    # Image-edit models per provider, in failover order (catalog ids, kind "image"): the
    # scene a hosted shot starts from and the refine picture.
    image_models: dict[str, tuple[str, ...]] = Field(default_factory=_default_image_models)
    # Background-removal models per provider (catalog ids, kind "cutout").
    cutout_models: dict[str, tuple[str, ...]] = Field(default_factory=_default_cutout_models)
    catalog_path: Path | None = None
    fal_queue_url: str | None = None  # e.g. a gateway; None = fal's own hosts
    fal_rest_url: str | None = None
    fal_cdn_url: str | None = None
    replicate_base_url: str | None = None
    request_timeout_s: float = 60.0  # one HTTP attempt
    call_attempts: int = 6
    backoff_s: float = 0.5
    poll_initial_s: float = 1.0
    poll_max_s: float = 15.0
    shot_deadline_s: float = 900.0
    max_cost_usd_per_job: float | None = None  # a job's brief may set its own
    # Public https origin of `aistudio serve` (e.g. https://studio.example.com): when set,
    # providers call /api/v1/providers/{fal|replicate}/webhook as requests finish and
    # polling becomes the fallback. None: poll only (the CLI, a server behind NAT).
    webhook_base_url: str | None = None
    replicate_webhook_secret: SecretStr | None = None  # GET /v1/webhooks/default/secret
    fal_jwks_url: str = "https://rest.alpha.fal.ai/.well-known/jwks.json"


class LLMSettings(BaseModel):
    """OpenAI-compatible chat models for the agents (OpenAI, Ollama, vLLM: any base URL).
    With no API key and no base URL every agent runs on the offline planner."""

    base_url: str | None = None  # e.g. http://localhost:11434/v1 for Ollama; None = OpenAI
    model: str = "gpt-4o-mini"  # retires 2027-01-14: keep it a setting
    # Per-agent overrides: concept, visual, audio, assembly, qa, vision, title.
    agent_models: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = 60.0  # ChatOpenAI has NO timeout by default: always set one
    max_retries: int = 2
    max_reasks: int = 2  # re-asks after an invalid structured answer
    temperature: float = 0.7
    moderation_model: str = "omni-moderation-latest"
    tts_model: str = "gpt-4o-mini-tts"
    tts_voice: str = "alloy"
    voice: Literal["piper", "openai"] = "piper"
    moderation: Literal["local", "openai"] | None = None  # None: openai when a key is set


class SupabaseSettings(BaseModel):
    url: str | None = None  # https://<project>.supabase.co; set with a key to use Supabase
    bucket: str = "aistudio"
    signed_url_ttl_s: int = 3600
    timeout_s: float = 20.0


class Settings(BaseSettings):
    """Top-level settings. Environment prefix `AISTUDIO_`, nested with `__`."""

    model_config = SettingsConfigDict(
        env_prefix="AISTUDIO_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Path(".aistudio")
    ffmpeg_binary: str | None = Field(
        default=None, description="Path to a system ffmpeg; the imageio-ffmpeg build otherwise."
    )
    max_qa_retries: int = 2
    default_duration_s: float = 12.0
    limits: MediaLimits = Field(default_factory=MediaLimits)
    render: RenderSettings = Field(default_factory=RenderSettings)
    qa: QASettings = Field(default_factory=QASettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    service_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AISTUDIO_SERVICE_TYPE", "SERVICE_TYPE"),
        description="The original AI Studio switch: replicate | falai.",
    )
    fal_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AISTUDIO_FAL_KEY", "FAL_KEY")
    )
    replicate_api_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AISTUDIO_REPLICATE_API_TOKEN", "REPLICATE_API_TOKEN"),
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AISTUDIO_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    supabase: SupabaseSettings = Field(default_factory=SupabaseSettings)
    supabase_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AISTUDIO_SUPABASE_KEY", "SUPABASE_KEY")
    )
    storage_backend: Literal["local", "supabase"] = "local"
    # LangSmith tracing, by its standard variables (off unless LANGSMITH_TRACING=true).
    langsmith_tracing: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "AISTUDIO_LANGSMITH_TRACING", "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"
        ),
    )
    langsmith_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "AISTUDIO_LANGSMITH_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"
        ),
    )
    langsmith_endpoint: str = Field(
        default="https://api.smith.langchain.com",
        validation_alias=AliasChoices(
            "AISTUDIO_LANGSMITH_ENDPOINT", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT"
        ),
    )
    langsmith_project: str = Field(
        default="aistudio",
        validation_alias=AliasChoices(
            "AISTUDIO_LANGSMITH_PROJECT", "LANGSMITH_PROJECT", "LANGCHAIN_PROJECT"
        ),
    )
    # The original AI Studio's environment names, accepted as aliases of the nested
    # settings above (the nested AISTUDIO_ names win when both are given).
    supabase_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPABASE_URL"),
        description="Alias of AISTUDIO_SUPABASE__URL.",
    )
    poll_interval_sec: float | None = Field(
        default=None,
        gt=0,
        validation_alias=AliasChoices("POLL_INTERVAL_SEC"),
        description="The original's fixed poll interval: caps the provider poll backoff "
        "(AISTUDIO_PROVIDERS__POLL_MAX_S).",
    )
    poll_max_min: float | None = Field(
        default=None,
        gt=0,
        validation_alias=AliasChoices("POLL_MAX_MIN"),
        description="The original's polling limit in minutes: the per-shot deadline "
        "(AISTUDIO_PROVIDERS__SHOT_DEADLINE_S).",
    )

    @field_validator("service_type")
    @classmethod
    def _known_service_type(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in SERVICE_TYPES:
            raise ValueError(
                f"SERVICE_TYPE must be one of {', '.join(SERVICE_TYPES)}; got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _apply_original_names(self) -> Settings:
        """Fold the original environment names into the nested settings they alias, unless
        the nested setting was given explicitly."""
        if self.supabase_url and "url" not in self.supabase.model_fields_set:
            self.supabase = self.supabase.model_copy(update={"url": self.supabase_url})
        providers = self.providers
        update: dict[str, float] = {}
        if self.poll_interval_sec and "poll_max_s" not in providers.model_fields_set:
            update["poll_max_s"] = self.poll_interval_sec
            update["poll_initial_s"] = min(providers.poll_initial_s, self.poll_interval_sec)
        if self.poll_max_min and "shot_deadline_s" not in providers.model_fields_set:
            update["shot_deadline_s"] = self.poll_max_min * 60
        if update:
            self.providers = providers.model_copy(update=update)
        return self

    @property
    def tracing_enabled(self) -> bool:
        """LangSmith tracing needs the switch and a key (a key alone traces nothing)."""
        return self.langsmith_tracing and self.langsmith_api_key is not None

    @property
    def video_provider(self) -> VideoProviderName:
        if self.providers.video is not None:
            return self.providers.video
        return self._service_type_provider()

    @property
    def image_provider(self) -> VideoProviderName:
        """Who makes scenes and cut-outs: AISTUDIO_PROVIDERS__IMAGE, else SERVICE_TYPE (the
        original switch picks one provider for everything), else local."""
        if self.providers.image is not None:
            return self.providers.image
        return self._service_type_provider()

    def _service_type_provider(self) -> VideoProviderName:
        if self.service_type:
            return SERVICE_TYPES[self.service_type.strip().lower()]
        return "local"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    @property
    def checkpoint_db(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def database_url(self) -> str:
        """The job store URL: the configured one, else SQLite beside the checkpoints."""
        return self.server.database_url or f"sqlite+aiosqlite:///{self.data_dir}/jobs.sqlite"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"
