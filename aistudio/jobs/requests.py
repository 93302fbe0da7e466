"""The job submission body: the original AI Studio fields plus optional richer options.

Original clients send empty strings for fields they leave out; those mean "absent".
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from aistudio.artifacts import AspectRatio, JobKind

MIN_VISIBLE_CHARS = 3
# Characters that take no room on screen: format controls (zero-width space and joiners,
# the BOM, bidi marks), other controls, combining marks without a base, separators.
_INVISIBLE = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Mn", "Me", "Zs", "Zl", "Zp"})


def visible_chars(text: str) -> int:
    return sum(1 for char in text if unicodedata.category(char) not in _INVISIBLE)


def _visible_text(text: str) -> str:
    if visible_chars(text) < MIN_VISIBLE_CHARS:
        raise ValueError(f"must have at least {MIN_VISIBLE_CHARS} visible characters")
    return text


# A brief or an instruction: some of it must be readable, not only zero-width characters.
VisibleText = Annotated[str, AfterValidator(_visible_text)]


class RequestBody(BaseModel):
    """Base of the API's request bodies: unknown fields are ignored (older clients send
    extras the original API tolerated) and strings are stripped. (NUL characters never get
    this far: the server refuses them in any JSON body, see aistudio.server.hardening.)"""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class VideoRequest(RequestBody):
    """Body of POST /api/v1/video/generate-{promo,fashion,ugc}-video."""

    content: VisibleText = Field(min_length=3, max_length=4000, description="The product brief.")
    reference_image_url: str | None = Field(
        default=None, max_length=2048, description="http(s) URL of the product photo."
    )
    reference_image_b64: str | None = Field(
        default=None, description="The product photo, base64 (a data: URL prefix is allowed)."
    )
    voice_over: bool = False
    user_id: str | None = Field(default=None, max_length=200)
    aspect_ratios: list[AspectRatio] | None = Field(default=None, min_length=1, max_length=3)
    duration_s: float | None = Field(default=None, ge=6.0, le=60.0)
    vibe: str | None = Field(default=None, max_length=60)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    webhook_url: str | None = Field(default=None, max_length=2048)
    deadline_s: float | None = Field(
        default=None, gt=0, description="Cancel the job if it is not finished by then."
    )
    approve_plan: bool = Field(
        default=False,
        description="Pause as `awaiting_approval` after plan QA, before any "
        "render; POST /jobs/{id}/approve resumes the job.",
    )
    max_cost_usd: float | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Fail the job before any paid render would take it past this many USD.",
    )
    video_model: str | None = Field(
        default=None,
        max_length=200,
        description="A catalog id of the server's video provider (e.g. `kling-3.0-pro`); "
        "default: the configured failover list. Unknown or unusable ids are a 422.",
    )
    image_model: str | None = Field(
        default=None,
        max_length=200,
        description="A catalog id of the server's image provider (e.g. `flux-kontext-pro`) "
        "for the scenes hosted shots start from; default: the configured list.",
    )

    @field_validator(
        "reference_image_url",
        "reference_image_b64",
        "user_id",
        "vibe",
        "webhook_url",
        "video_model",
        "image_model",
        mode="before",
    )
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("voice_over", mode="before")
    @classmethod
    def _empty_bool(cls, value: Any) -> Any:
        return False if value in ("", None) else value

    @field_validator("aspect_ratios")
    @classmethod
    def _distinct_aspects(cls, value: list[AspectRatio] | None) -> list[AspectRatio] | None:
        if value is not None and len(set(value)) != len(value):
            twice = sorted({aspect for aspect in value if value.count(aspect) > 1})
            raise ValueError(f"lists {', '.join(twice)} more than once")
        return value


def _canonical(request: VideoRequest) -> dict[str, Any]:
    """The body as plain JSON data, the photo replaced by its sha256. A 20 MB photo is
    hashed once; dumping and escaping it as JSON would cost several times that."""
    body = request.model_dump(mode="json", exclude_none=True, exclude={"reference_image_b64"})
    if request.reference_image_b64 is not None:
        photo = request.reference_image_b64.encode()
        body["reference_image_b64_sha256"] = hashlib.sha256(photo).hexdigest()
    return body


def fingerprint(kind: JobKind, request: VideoRequest) -> tuple[str, dict[str, Any]]:
    """(hash, stored body). The hash covers the canonical body: an Idempotency-Key replay
    must match it exactly. The stored body is what the row keeps: everything but the
    photo bytes (their digest instead) and the webhook URL (its own column)."""
    body = _canonical(request)
    canonical = json.dumps({"kind": kind, **body}, sort_keys=True, separators=(",", ":"))
    body.pop("webhook_url", None)
    return hashlib.sha256(canonical.encode()).hexdigest(), body
