"""OpenAI moderation (`omni-moderation-latest`) for text and images, on the async SDK.

Text goes as one text input; images go as base64 data URLs (the frames live in local
scratch or storage, never at a public URL), a few per request, because the endpoint caps
how many images one call may carry.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openai
from openai.types import ModerationMultiModalInputParam

from aistudio.artifacts import ModerationVerdict
from aistudio.errors import InputError
from aistudio.settings import Settings
from aistudio.tools.llm import make_async_client, provider_error

IMAGES_PER_CALL = 4  # sampled frames per request; larger batches are split
MAX_TEXT_CHARS = 32_000  # the endpoint's documented limit is far above any brief


def _data_url(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot moderate {path.name}: {exc}") from exc
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class OpenAIModerator:
    """The `Moderator` on OpenAI's moderation endpoint."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = settings.llm.moderation_model
        self.name = f"openai({self.model})"
        self._client: openai.AsyncOpenAI | None = None

    async def _sdk(self) -> openai.AsyncOpenAI:
        # Built on first use, in a thread: the client reads CA certificates from disk.
        if self._client is None:
            self._client = await asyncio.to_thread(make_async_client, self.settings)
        return self._client

    async def _moderate(self, inputs: list[ModerationMultiModalInputParam]) -> list[Any]:
        client = await self._sdk()
        try:
            response = await client.moderations.create(model=self.model, input=inputs)
        except openai.APIError as exc:
            raise provider_error(exc, f"openai-moderation({self.model})") from exc
        return list(response.results)

    def _verdict(self, results: Sequence[Any], subject: str, extra: str = "") -> ModerationVerdict:
        categories: set[str] = set()
        scores: dict[str, float] = {}
        for result in results:
            flags = result.categories.model_dump(by_alias=True)
            values = result.category_scores.model_dump(by_alias=True)
            for name, value in values.items():
                if isinstance(value, int | float):
                    scores[name] = round(max(scores.get(name, 0.0), float(value)), 4)
            categories.update(name for name, flagged in flags.items() if flagged)
            if result.flagged and not any(flags.values()):
                categories.add("flagged")  # flagged without a named category
        ordered = tuple(sorted(categories))
        reason = f"flagged {', '.join(ordered)}" if ordered else ""
        return ModerationVerdict(
            allowed=not ordered,
            subject=subject,
            categories=ordered,
            scores=scores,
            tool=self.name,
            reason="; ".join(r for r in (reason, extra) if r),
        )

    async def check_text(self, text: str, *, subject: str) -> ModerationVerdict:
        results = await self._moderate([{"type": "text", "text": text[:MAX_TEXT_CHARS]}])
        return self._verdict(results, subject)

    async def check_images(
        self, paths: Sequence[Path], *, subject: str, humans_allowed: bool
    ) -> ModerationVerdict:
        # OpenAI moderation does not report people; the output QA's face count covers a
        # product-only job, so `humans_allowed` changes nothing here.
        urls = await asyncio.to_thread(lambda: [_data_url(p) for p in paths])
        batches = [urls[i : i + IMAGES_PER_CALL] for i in range(0, len(urls), IMAGES_PER_CALL)]
        results: list[Any] = []
        for batch in batches:
            results += await self._moderate(
                [{"type": "image_url", "image_url": {"url": url}} for url in batch]
            )
        return self._verdict(results, subject)

    async def check_prompts(
        self, prompts: Sequence[str], *, subject: str = "prompts"
    ) -> ModerationVerdict:
        """The final shot prompts, one request (before anything is paid for)."""
        results = await self._moderate(
            [{"type": "text", "text": p[:MAX_TEXT_CHARS]} for p in prompts]
        )
        return self._verdict(results, subject)
