"""The Litestar application: `create_app(settings)`.

Clients are opened in the lifespan and kept on `app.state`: the toolbox, the job store
(migrated to head), an HTTP client for webhooks, the job service (which resumes every
unfinished job). Handlers get them through DI; errors leave through one problem-details
handler.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from aistudio import __version__
from aistudio.jobs.models import JobRow
from aistudio.jobs.service import JobService, Notifier
from aistudio.jobs.store import open_store
from aistudio.server.admin import queue_monitor
from aistudio.server.agent_wiring import open_conversations
from aistudio.server.controllers.agent import AssistantsController, ThreadsController
from aistudio.server.controllers.agent_runs import RunsController, ThreadJobsController
from aistudio.server.controllers.approval import ApprovalController
from aistudio.server.controllers.health import HealthController
from aistudio.server.controllers.jobs import AssetFilesController, JobsController
from aistudio.server.controllers.providers import ProviderWebhookController, fal_verifier
from aistudio.server.controllers.quote import QuoteController
from aistudio.server.controllers.refine import RefineController
from aistudio.server.controllers.remix import RemixController
from aistudio.server.controllers.revise import ReviseController
from aistudio.server.controllers.video import VideoController
from aistudio.server.deps import (
    API_PREFIX,
    Gate,
    authenticate,
    make_links,
    provide_links,
    provide_principal,
    provide_service,
)
from aistudio.server.hardening import ApiRequest, reject_nul_middleware
from aistudio.server.observability import add_request_id_header, request_id_middleware
from aistudio.server.openapi import document_problems
from aistudio.server.problems import problem_handler
from aistudio.server.ratelimit import TokenBucketLimiter
from aistudio.server.results import ResultFilesController
from aistudio.server.webhooks import deliver_webhook
from aistudio.server.webui import WebStudioController
from aistudio.settings import Settings
from aistudio.tools.toolbox import Toolbox


def webhook_notifier(settings: Settings, client: httpx.AsyncClient) -> Notifier:
    """The job service's `Notifier`: POST the job's outcome, signed, with retries."""
    server = settings.server

    async def notify(row: JobRow) -> list[dict[str, Any]]:
        if not row.webhook_url or not row.webhook_secret:
            return []
        payload = {
            "type": f"job.{row.status}",
            "timestamp": int(time.time()),
            "data": {
                "job_id": row.id,
                "kind": row.kind,
                "status": row.status,
                "error_message": row.error_message,
                "status_url": f"{server.public_base_url.rstrip('/')}{API_PREFIX}"
                f"/video/status/{row.id}",
                "assets": sorted((row.assets or {}).keys()),
            },
        }
        attempts = await deliver_webhook(
            row.webhook_url,
            payload,
            secret=row.webhook_secret,
            msg_id=f"msg_{row.id}",
            client=client,
            attempts=server.webhook_attempts,
            backoff_s=server.webhook_backoff_s,
            max_backoff_s=server.webhook_max_backoff_s,
            timeout_s=server.webhook_timeout_s,
            allow_hosts=server.fetch_allow_hosts,
        )
        return [attempt.to_dict() for attempt in attempts]

    return notify


def create_app(settings: Settings, *, toolbox: Toolbox | None = None) -> Litestar:
    """The API app. `toolbox` lets tests (and benches) swap expensive tools for fast ones."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        from aistudio.tools.toolbox import build_toolbox  # heavy: only when serving

        tools = toolbox or build_toolbox(settings)
        # trust_env=False: a proxy from the environment would undo the SSRF address pinning.
        async with (
            open_store(settings.database_url) as store,
            httpx.AsyncClient(trust_env=False, follow_redirects=False) as http,
        ):
            service = JobService(store, tools, notifier=webhook_notifier(settings, http))
            app.state.settings = settings
            app.state.store = store
            app.state.fal_verifier = fal_verifier(settings, http)
            app.state.links = make_links(settings)
            app.state.gate = Gate(
                settings,
                store,
                TokenBucketLimiter(settings.server.rate_per_s, settings.server.burst),
                TokenBucketLimiter(
                    settings.server.auth_failure_rate_per_s, settings.server.auth_failure_burst
                ),
            )
            async with service, open_conversations(service, store, app.state.links) as agent:
                app.state.service = service
                app.state.conversations = agent
                # Everything loaded so far (libraries, models, the compiled graph) lives as
                # long as the process: freezing it keeps the collector from walking those
                # objects again in every full collection (~0.1 s each, every few dozen jobs).
                gc.collect()
                gc.freeze()
                yield

    api = Router(
        path=API_PREFIX,
        route_handlers=[
            VideoController,
            JobsController,
            QuoteController,
            RemixController,
            RefineController,
            ApprovalController,
            ReviseController,
            AssistantsController,
            ThreadsController,
            RunsController,
            ThreadJobsController,
        ],
        guards=[authenticate],  # before the body is read
        dependencies={"principal": Provide(provide_principal)},
    )
    # No API key on these: signed links carry their own proof, providers their signature.
    files = Router(
        path=API_PREFIX,
        route_handlers=[AssetFilesController, ResultFilesController, ProviderWebhookController],
    )
    handlers: list[ControllerRouterHandler] = [api, files, HealthController, WebStudioController]
    dependencies = {
        "service": Provide(provide_service, sync_to_thread=False),
        "links": Provide(provide_links, sync_to_thread=False),
    }
    namespace: dict[str, Any] = {}
    if settings.queue.url and settings.server.admin_key is not None:
        monitor = queue_monitor()
        handlers += monitor.handlers
        dependencies |= monitor.dependencies
        namespace = monitor.signature_namespace
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        dependencies=dependencies,
        signature_namespace=namespace,
        exception_handlers={Exception: problem_handler},
        middleware=[request_id_middleware, reject_nul_middleware],
        request_class=ApiRequest,
        before_send=[add_request_id_header],
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="AI Studio API",
            version=__version__,
            description="Brief + product photo -> finished marketing video. Errors are RFC 9457 "
            "problem details. Auth: 'Authorization: Bearer ais_...' or 'X-API-Key' "
            "(dev mode: none).",
            path=f"{API_PREFIX}/docs",
            render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="Authorization: Bearer ais_..."
                    ),
                    "apiKey": SecurityScheme(
                        type="apiKey", name="X-API-Key", security_scheme_in="header"
                    ),
                }
            ),
            security=[{"bearer": []}, {"apiKey": []}],
        ),
        logging_config=None,
        debug=False,
    )
    document_problems(app, API_PREFIX)
    return app
