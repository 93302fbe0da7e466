"""One error hierarchy for the whole package; the server maps it to HTTP in one place.

Every error carries a stable `type` slug (used as the RFC 9457 problem `type`) and a
one-line human message (what the CLI prints).
"""

from __future__ import annotations

from collections.abc import Sequence


class AppError(Exception):
    """Root of every error the application raises on purpose."""

    type_slug = "app-error"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(AppError):
    """The caller gave us something we cannot use (bad image, bad brief, bad option)."""

    type_slug = "invalid-input"
    http_status = 422


class MediaTooLarge(InputError):
    type_slug = "media-too-large"
    http_status = 413


class UnsupportedMedia(InputError):
    type_slug = "unsupported-media"
    http_status = 415


class ModerationBlocked(AppError):
    """Input or output failed moderation; the job fails at once, no retries."""

    type_slug = "moderation-blocked"
    http_status = 422

    def __init__(self, message: str, categories: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.categories = list(categories)


class BudgetExceeded(AppError):
    type_slug = "budget-exceeded"
    http_status = 402


class NotFound(AppError):
    type_slug = "not-found"
    http_status = 404


class ProviderError(AppError):
    """A provider (LLM, video model, TTS, storage) failed."""

    type_slug = "provider-error"
    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s  # the provider's own Retry-After, when it sent one


class FFmpegError(AppError):
    """FFmpeg exited non-zero or timed out; keeps the argv and the tail of stderr."""

    type_slug = "ffmpeg-error"
    http_status = 500

    def __init__(self, message: str, *, argv: Sequence[str], stderr_tail: str = "") -> None:
        super().__init__(message)
        self.argv = list(argv)
        self.stderr_tail = stderr_tail

    def __str__(self) -> str:
        tail = self.stderr_tail.strip().splitlines()[-1:] if self.stderr_tail else []
        return f"{self.message}{': ' + tail[0] if tail else ''}"


class ToolUnavailable(AppError):
    """A local tool (ffmpeg, voice model, ONNX model) is missing or broken."""

    type_slug = "tool-unavailable"
    http_status = 503


class UnsafeURL(InputError):
    """A URL we were asked to fetch or call points somewhere we refuse to go (SSRF guard)."""

    type_slug = "unsafe-url"
    http_status = 422


class Unauthorized(AppError):
    """Missing, malformed or unknown API key."""

    type_slug = "unauthorized"
    http_status = 401


class RateLimited(AppError):
    """Too many requests; `retry_after_s` feeds the Retry-After header."""

    type_slug = "rate-limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Conflict(AppError):
    """The request clashes with current state (e.g. idempotency key reused with another body)."""

    type_slug = "conflict"
    http_status = 409
