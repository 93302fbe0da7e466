"""The hosted-model catalog: data, not code.

Each entry says how to talk to one image-to-video model: which provider, which input field
carries the prompt / image / duration / aspect ratio / audio flag / seed, which durations
it accepts and how it spells them, whether the aspect ratio is a field or follows the input
image, whether it accepts faces, where the media URL sits in its output, and its price.
The package ships `catalog.json`; a user file (settings) adds or replaces entries by id.

Everything here is pure: the provider tools build payloads with `build_payload` and check
shots with `shot_problems`, and both are unit-tested without I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aistudio.artifacts import AspectRatio
from aistudio.errors import InputError, ProviderError

Provider = Literal["fal", "replicate"]
DurationFormat = Literal["int", "string", "string_s"]  # 5 | "5" | "5s"


class FieldMap(BaseModel):
    """Our concept -> the model's input field name (None: the model has no such input)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str = "prompt"
    image: str = "image_url"
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
    kind: Literal["video", "image"] = "video"
    fields: FieldMap = FieldMap()
    durations: tuple[int, ...] = ()  # allowed clip lengths in seconds, ascending
    duration_format: DurationFormat = "int"
    # None: the model has no aspect field and follows the input image (we send a keyframe
    # already cropped to the target aspect, so that works for every aspect).
    aspect_ratios: tuple[AspectRatio, ...] | None = None
    resolution: str | None = None
    faces_allowed: bool = True
    makes_audio: bool = False  # we mix our own soundtrack: model audio is switched off
    output_path: str = "video.url"  # dotted path to the media URL; "" = the output itself
    price_per_s: float | None = None
    price_per_s_with_audio: float | None = None


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    models: tuple[CatalogEntry, ...]

    def get(self, model_id: str) -> CatalogEntry:
        for entry in self.models:
            if entry.id == model_id:
                return entry
        known = ", ".join(e.id for e in self.models)
        raise InputError(f"unknown model {model_id!r}; the catalog has {known}")

    def for_provider(self, provider: Provider) -> list[CatalogEntry]:
        return [e for e in self.models if e.provider == provider and e.kind == "video"]


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
    payload: dict[str, Any] = {f.prompt: prompt, f.image: image_url}
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


def estimate_cost(
    entry: CatalogEntry, duration_s: float, *, with_audio: bool = False
) -> float | None:
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
