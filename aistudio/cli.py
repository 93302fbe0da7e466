"""`aistudio` command line: generate | serve | worker | prune | api-key | doctor."""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from pydantic import ValidationError
from rich.console import Console

from aistudio.artifacts import AspectRatio, Brief, JobKind
from aistudio.cli_display import NodeDisplay, print_result
from aistudio.errors import AppError
from aistudio.jobs.runner import JobRunner, validate_job_id
from aistudio.settings import Settings

if TYPE_CHECKING:
    from aistudio.jobs.execution import Notifier
    from aistudio.tools.toolbox import Toolbox

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - compared, not bound
TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _parse_aspects(value: str) -> tuple[AspectRatio, ...]:
    allowed = get_args(AspectRatio)
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    bad = [p for p in parts if p not in allowed]
    if bad or not parts:
        raise _fail(f"--aspect takes a comma list of {', '.join(allowed)}; got {value!r}", 2)
    return tuple(dict.fromkeys(parts))  # type: ignore[arg-type]


def _brief(
    kind: str,
    text: str,
    voice_over: bool,
    aspects: str,
    duration: float,
    seed: int,
    vibe: str | None,
) -> Brief:
    if kind not in get_args(JobKind):
        raise _fail(f"kind must be one of {', '.join(get_args(JobKind))}; got {kind!r}", 2)
    try:
        return Brief(
            kind=kind,
            text=text.strip(),
            voice_over=voice_over,
            aspect_ratios=_parse_aspects(aspects),
            duration_s=duration,
            seed=seed,
            vibe=vibe,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise _fail(f"invalid {field}: {first['msg']}", 2) from None


@app.command()
def generate(
    kind: Annotated[str, typer.Argument(help="promo | fashion | ugc")],
    image: Annotated[Path, typer.Option("--image", help="reference product photo")],
    brief: Annotated[str, typer.Option("--brief", help="what the video should say")],
    voice_over: Annotated[bool, typer.Option("--voice-over/--no-voice-over")] = False,
    aspect: Annotated[str, typer.Option("--aspect", help="e.g. 9:16,1:1,16:9")] = "9:16",
    duration: Annotated[float, typer.Option("--duration", help="seconds")] = 12.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    vibe: Annotated[str | None, typer.Option("--vibe")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="folder for the files")] = None,
    job_id: Annotated[str | None, typer.Option("--job-id", help="resume or name a job")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
) -> None:
    """Make a video from a product photo and a brief (embedded default: no keys, no servers)."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    the_brief = _brief(kind, brief, voice_over, aspect, duration, seed, vibe)
    job = job_id or f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    try:
        validate_job_id(job)
    except AppError as exc:
        raise _fail(exc.message, 2) from None
    out_dir = (out or Path("out") / job).resolve()
    sys.exit(asyncio.run(_generate(settings, job, the_brief, image, out_dir)))


async def _generate(settings: Settings, job: str, brief: Brief, image: Path, out: Path) -> int:
    from aistudio.jobs.recorder import RunRecorder
    from aistudio.jobs.store import open_store
    from aistudio.tools.toolbox import build_toolbox  # heavy imports only when generating

    console = Console()
    try:
        toolbox = build_toolbox(settings)
        async with open_store(settings.database_url) as store, JobRunner(toolbox) as runner:
            with NodeDisplay(console, job) as display:
                # The job's events go to the job store's events table, as a server's do.
                recorder = RunRecorder(store, job, on_event=display.handle, update_row=False)
                async with recorder:
                    result = await runner.run(
                        job, brief=brief, image=image, out_dir=out, events=recorder
                    )
    except AppError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2 if exc.http_status < 500 else 1
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: one line, details in the log
        log_path = settings.data_dir / "jobs" / job / "error.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(traceback.format_exc())
        err.print(
            f"[bold red]error:[/] internal error ({type(exc).__name__}: {exc}); "
            f"details in {log_path}; run again with --job-id {job} to resume",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    if result.already_finished:
        console.print(f"job {job} had already finished; showing its result")
    print_result(console, result)
    return 1 if result.status == "failed" else 0


@app.command()
def doctor(data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """Check ffmpeg, the voice, the local models and the data folder."""
    from aistudio.doctor import run_doctor

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    ok = asyncio.run(run_doctor(settings, Console()))
    sys.exit(0 if ok else 1)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="default: AISTUDIO_SERVER__HOST, 127.0.0.1")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="default: AISTUDIO_SERVER__PORT, 8000")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    dev: Annotated[
        bool,
        typer.Option("--dev", help="dev mode: no API key needed, every request is tenant 'dev'"),
    ] = False,
) -> None:
    """Serve the HTTP job API (unfinished jobs resume at start-up)."""
    import uvicorn

    from aistudio.server.app import create_app
    from aistudio.server.observability import configure_json_logging

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    if dev:
        settings.server = settings.server.model_copy(update={"dev_mode": True})
    host = settings.server.host if host is None else host
    port = settings.server.port if port is None else port
    if "public_base_url" not in settings.server.model_fields_set:
        # Signed asset links need an address clients can reach; a wildcard bind is not one.
        reachable = "127.0.0.1" if host in WILDCARD_HOSTS else host
        public = f"http://{reachable}:{port}"
        settings.server = settings.server.model_copy(update={"public_base_url": public})
    configure_json_logging()
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()


@app.command()
def worker(
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    processes: Annotated[
        int | None, typer.Option("--processes", help="default: AISTUDIO_QUEUE__PROCESSES")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", help="jobs per process; default AISTUDIO_QUEUE__CONCURRENCY"),
    ] = None,
) -> None:
    """Run queued jobs (needs AISTUDIO_QUEUE__URL and the job store the API uses)."""
    from aistudio.jobs.worker import run_workers
    from aistudio.server.observability import configure_json_logging

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    overrides = {"processes": processes, "concurrency": concurrency}
    if given := {k: v for k, v in overrides.items() if v is not None}:
        if min(given.values()) < 1:
            raise _fail("--processes and --concurrency take a number of at least 1", 2)
        settings.queue = settings.queue.model_copy(update=given)
    if not settings.queue.url:
        raise _fail(
            "no queue to work on: set AISTUDIO_QUEUE__URL (postgresql://... or redis://...)", 2
        )
    configure_json_logging()
    run_workers(settings, _toolbox, _webhook_notifier)


def _toolbox(settings: Settings) -> Toolbox:
    from aistudio.tools.toolbox import build_toolbox

    return build_toolbox(settings)


def _webhook_notifier(settings: Settings) -> tuple[Notifier, Callable[[], Awaitable[None]]]:
    """The server's webhook delivery, on a client of the worker's own."""
    import httpx

    from aistudio.server.app import webhook_notifier

    client = httpx.AsyncClient(trust_env=False, follow_redirects=False)
    return webhook_notifier(settings, client), client.aclose


@app.command()
def prune(
    older_than: Annotated[str, typer.Option("--older-than", help="e.g. 30d, 12h, 2w")],
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
) -> None:
    """Delete the jobs that finished longer ago than --older-than (their records, events,
    checkpoints, and the stored files no other job shares)."""
    from aistudio.jobs.retention import parse_age

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    try:
        age = parse_age(older_than)
    except AppError as exc:
        raise _fail(exc.message, 2) from None
    removed, objects = asyncio.run(_prune(settings, age))
    print(f"pruned {removed} jobs finished before {older_than} ago ({objects} stored objects)")


async def _prune(settings: Settings, age: timedelta) -> tuple[int, int]:
    from aistudio.jobs.models import utcnow
    from aistudio.jobs.retention import prune as prune_jobs
    from aistudio.jobs.store import open_store
    from aistudio.tools.toolbox import build_toolbox

    toolbox = build_toolbox(settings)
    async with open_store(settings.database_url) as store, JobRunner(toolbox) as runner:
        removed = await prune_jobs(store, runner, toolbox.storage, age, utcnow())
    return len(removed), sum(r.objects for r in removed)


api_key_app = typer.Typer(no_args_is_help=True, help="Manage API keys.")
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("create")
def api_key_create(
    tenant: Annotated[str, typer.Option("--tenant", help="who the key belongs to")],
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
) -> None:
    """Create an API key for a tenant; the key is printed once and stored only hashed."""
    if not TENANT_RE.match(tenant):
        raise _fail("--tenant takes 1-64 letters, digits, '.', '_' or '-'", 2)
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    plaintext = asyncio.run(_create_key(settings, tenant))
    err.print(f"API key for tenant {tenant} (shown once; store it now):")
    print(plaintext)


async def _create_key(settings: Settings, tenant: str) -> str:
    from aistudio.jobs.store import open_store
    from aistudio.server.auth import generate_api_key

    key = generate_api_key()
    async with open_store(settings.database_url) as store:
        await store.add_api_key(key.key_id, tenant, key.hash)
    return key.plaintext


def main() -> None:
    app()
