"""The hosted-model catalog: data, not code.

Each entry says how to talk to one hosted model: which provider, what it makes (`kind`:
image-to-video clips, image edits = the product in a new scene, or background removal =
a cut-out), which input field carries the prompt / image(s) / duration / aspect ratio /
audio flag / seed, which durations it accepts and how it spells them, whether the aspect
ratio is a field (and how the model spells each one) or follows the input image, whether
it accepts faces, fixed inputs it always needs, where the media URL sits in its output,
and its price in its unit (per second of video, per image). The package ships
`catalog.json`; a user file (settings) adds or replaces entries by id.

Everything here is pure: the provider tools build payloads with `build_payload` /
`build_image_payload` / `build_cutout_payload` and check shots with `shot_problems`, and
all are unit-tested without I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aistudio.artifacts import AspectRatio
from aistudio.errors import InputError, ProviderError

Provider = Literal["fal", "replicate"]
DurationFormat = Literal["int", "string", "string_s"]  # 5 | "5" | "5s"
# What a model makes: an image-to-video clip, an edited image (the product in a new
# scene), or the photo with its background removed (an RGBA cut-out).
ModelKind = Literal["video", "image", "cutout"]
MAKES: dict[str, str] = {"video": "video clips", "image": "image edits", "cutout": "cut-outs"}


class FieldMap(BaseModel):
    """Our concept -> the model's input field name (None: the model has no such input)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str | None = "prompt"  # None: the model takes no prompt (background removal)
    image: str = "image_url"
    image_list: bool = False  # the field takes a list of URLs ("image_urls", "image_input")
    duration: str | None = "duration"
    aspect_ratio: str | None = None
    resolution: str | None = None
    audio: str | None = None
    seed: str | None = None
    negative_prompt: str | None = None


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    provider: Provider
    model: str = Field(min_length=3)  # the provider's own id ("owner/name[/path]")
    kind: ModelKind = "video"
    fields: FieldMap = FieldMap()
    durations: tuple[int, ...] = ()  # allowed clip lengths in seconds, ascending
    duration_format: DurationFormat = "int"
    # None: the model has no aspect field and follows the input image (we send a keyframe
    # already cropped to the target aspect, so that works for every aspect).
    aspect_ratios: tuple[AspectRatio, ...] | None = None
    # How the model spells each aspect in its aspect field when not "9:16"-style
    # (e.g. Seedream's image_size "portrait_16_9"); absent aspects are sent as they are.
    aspect_values: dict[AspectRatio, Any] = Field(default_factory=dict)
    resolution: str | None = None
    faces_allowed: bool = True
    makes_audio: bool = False  # we mix our own soundtrack: model audio is switched off
    output_path: str = "video.url"  # dotted path to the media URL; "" = the output itself
    # Inputs sent as they are on every request (output format, one image, safety level).
    fixed_input: dict[str, Any] = Field(default_factory=dict)
    price_per_s: float | None = None  # video models
    price_per_s_with_audio: float | None = None
    price_per_image: float | None = None  # image-edit and background-removal models

    @model_validator(mode="after")
    def _fits_its_kind(self) -> CatalogEntry:
        if self.kind == "video":
            if self.price_per_image is not None:
                raise ValueError("a video model is priced per second, not per image")
        elif self.durations or self.price_per_s is not None:
            raise ValueError(
                f"a model that makes {MAKES[self.kind]} has no durations and no per-second price"
            )
        if self.kind != "cutout" and self.fields.prompt is None:
            raise ValueError(f"a model that makes {MAKES[self.kind]} needs a prompt field")
        return self

    @property
    def price_unit(self) -> Literal["second", "image"]:
        return "second" if self.kind == "video" else "image"


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    models: tuple[CatalogEntry, ...]

    def get(self, model_id: str, kind: ModelKind | None = None) -> CatalogEntry:
        """The entry of `model_id`; InputError if there is none (or it makes another kind
        of thing than `kind`)."""
        for entry in self.models:
            if entry.id == model_id:
                if kind is not None and entry.kind != kind:
                    raise InputError(f"{model_id!r} makes {MAKES[entry.kind]}, not {MAKES[kind]}")
                return entry
        known = ", ".join(e.id for e in self.models if kind is None or e.kind == kind)
        raise InputError(f"unknown model {model_id!r}; the catalog has {known}")

    def for_provider(self, provider: Provider, kind: ModelKind = "video") -> list[CatalogEntry]:
        return [e for e in self.models if e.provider == provider and e.kind == kind]


def _parse(raw: Mapping[str, Any], source: str) -> Catalog:
    try:
        return Catalog.model_validate({"models": raw.get("models", [])})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"model catalog {source}: {where}: {first['msg']}") from None


def load_catalog(extra: Path | None = None) -> Catalog:
    """The shipped catalog, with the entries of `extra` (a JSON file) added or replacing
    shipped ones of the same id. Read once at start-up (it is small)."""
    shipped = resources.files("aistudio.tools.video").joinpath("catalog.json").read_text()
    catalog = _parse(json.loads(shipped), "catalog.json")
    if extra is None:
        return catalog
    try:
        user = json.loads(extra.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read model catalog {extra}: {exc}") from None
    added = _parse(user, str(extra))
    merged = {e.id: e for e in catalog.models} | {e.id: e for e in added.models}
    return Catalog(models=tuple(merged.values()))


def pick_duration(entry: CatalogEntry, wanted_s: float) -> int | None:
    """The shortest allowed clip that covers `wanted_s` (compose trims the rest), or None."""
    if not entry.durations:
        return math.ceil(wanted_s)
    for seconds in sorted(entry.durations):
        if seconds + 1e-6 >= wanted_s:
            return seconds
    return None


def format_duration(entry: CatalogEntry, seconds: int) -> int | str:
    if entry.duration_format == "string":
        return str(seconds)
    if entry.duration_format == "string_s":
        return f"{seconds}s"
    return seconds


def shot_problems(
    entry: CatalogEntry, duration_s: float, aspect: AspectRatio, *, people_in_shot: bool
) -> list[str]:
    """Why this model cannot make this shot (empty: it can)."""
    problems = []
    if entry.kind != "video":
        problems.append(f"{entry.id} is an image model")
    if pick_duration(entry, duration_s) is None:
        problems.append(
            f"{entry.id} makes clips of at most {max(entry.durations)}s, "
            f"the shot needs {duration_s:.2f}s"
        )
    if entry.aspect_ratios is not None and aspect not in entry.aspect_ratios:
        problems.append(f"{entry.id} does not make {aspect} video")
    if people_in_shot and not entry.faces_allowed:
        problems.append(f"{entry.id} refuses inputs with people")
    return problems


def build_payload(
    entry: CatalogEntry,
    *,
    prompt: str,
    image_url: str,
    duration_s: float,
    aspect: AspectRatio,
    seed: int,
    negative_prompt: str = "",
    with_audio: bool = False,
) -> dict[str, Any]:
    """The model's input JSON for one shot (pure)."""
    seconds = pick_duration(entry, duration_s)
    if seconds is None:
        raise InputError(f"{entry.id} cannot make a {duration_s:.2f}s clip")
    f = entry.fields
    payload: dict[str, Any] = {**entry.fixed_input, **_image_field(entry, image_url)}
    if f.prompt:
        payload[f.prompt] = prompt
    if f.duration:
        payload[f.duration] = format_duration(entry, seconds)
    if f.aspect_ratio:
        payload[f.aspect_ratio] = aspect
    if f.resolution and entry.resolution:
        payload[f.resolution] = entry.resolution
    if f.audio:
        payload[f.audio] = with_audio
    if f.seed:
        payload[f.seed] = seed
    if f.negative_prompt and negative_prompt:
        payload[f.negative_prompt] = negative_prompt
    return payload


def _image_field(entry: CatalogEntry, image_url: str) -> dict[str, Any]:
    return {entry.fields.image: [image_url] if entry.fields.image_list else image_url}


def build_image_payload(
    entry: CatalogEntry, *, prompt: str, image_url: str, aspect: AspectRatio, seed: int
) -> dict[str, Any]:
    """An image-edit model's input JSON: the photo, the scene prompt, the frame's aspect."""
    if entry.kind != "image":
        raise InputError(f"{entry.id} is not an image-edit model")
    f = entry.fields
    payload: dict[str, Any] = {**entry.fixed_input, **_image_field(entry, image_url)}
    if f.prompt:
        payload[f.prompt] = prompt
    if f.aspect_ratio:
        payload[f.aspect_ratio] = entry.aspect_values.get(aspect, aspect)
    if f.resolution and entry.resolution:
        payload[f.resolution] = entry.resolution
    if f.seed:
        payload[f.seed] = seed
    return payload


def build_cutout_payload(entry: CatalogEntry, *, image_url: str) -> dict[str, Any]:
    """A background-removal model's input JSON: the photo and its fixed options."""
    if entry.kind != "cutout":
        raise InputError(f"{entry.id} is not a background-removal model")
    return {**entry.fixed_input, **_image_field(entry, image_url)}


def image_problems(entry: CatalogEntry, aspect: AspectRatio) -> list[str]:
    """Why this image-edit model cannot make a scene in `aspect` (empty: it can)."""
    if entry.kind != "image":
        return [f"{entry.id} is not an image-edit model"]
    if entry.aspect_ratios is not None and aspect not in entry.aspect_ratios:
        return [f"{entry.id} does not make {aspect} images"]
    return []


def estimate_image_cost(entry: CatalogEntry, images: int = 1) -> float | None:
    return None if entry.price_per_image is None else round(images * entry.price_per_image, 4)


def estimate_cost(
    entry: CatalogEntry, duration_s: float, *, with_audio: bool = False
) -> float | None:
    if entry.kind != "video":
        return estimate_image_cost(entry)
    seconds = pick_duration(entry, duration_s)
    price = (
        entry.price_per_s_with_audio
        if with_audio and entry.price_per_s_with_audio
        else entry.price_per_s
    )
    if seconds is None or price is None:
        return None
    return round(seconds * price, 4)


def media_url(entry: CatalogEntry, output: Any, *, provider: str) -> str:
    """The media URL inside a model's output, by the entry's dotted path. Replicate video
    models answer a bare URL string (or a one-element list)."""
    value = output
    for part in [p for p in entry.output_path.split(".") if p]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and part.isdigit()
            and int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            raise ProviderError(
                f"{entry.id}: no {entry.output_path!r} in the model's output", provider=provider
            )
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ProviderError(
            f"{entry.id}: the output has no media URL ({str(value)[:80]!r})", provider=provider
        )
    return value


def check_model_choice(
    catalog: Catalog,
    *,
    video_model: str | None,
    image_model: str | None,
    video_provider: str,
    image_provider: str,
) -> None:
    """A request's own model choice, checked before a job exists: each id must be in the
    catalog, make the right kind of thing and run on the provider these settings use.
    InputError (a 422 problem) otherwise."""
    checks: tuple[tuple[str | None, ModelKind, str, str], ...] = (
        (video_model, "video", video_provider, "AISTUDIO_PROVIDERS__VIDEO"),
        (image_model, "image", image_provider, "AISTUDIO_PROVIDERS__IMAGE"),
    )
    for model_id, kind, provider, setting in checks:
        if model_id is None:
            continue
        label = f"{kind}_model"
        try:
            entry = catalog.get(model_id, kind)
        except InputError as exc:
            raise InputError(f"{label}: {exc.message}") from None
        if provider == "local":
            raise InputError(
                f"{label} {model_id!r} runs on {entry.provider}, but this server makes "
                f"{kind}s locally (set SERVICE_TYPE or {setting})"
            )
        if entry.provider != provider:
            raise InputError(
                f"{label} {model_id!r} runs on {entry.provider}; this server's {kind} "
                f"provider is {provider}"
            )
