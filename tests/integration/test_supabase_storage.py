"""SupabaseStorage through the real supabase SDK (storage3) against a loopback fake that
speaks Supabase Storage's wire protocol, with fault injection."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from aistudio.artifacts import Asset, EndCard
from aistudio.errors import NotFound, ProviderError, ToolUnavailable
from aistudio.settings import Settings, SupabaseSettings
from aistudio.tools.render.stills import StillsRenderer
from aistudio.tools.storage.factory import (
    build_storage,
    close_storage,
    start_storage,
    supabase_cache_dir,
)
from aistudio.tools.storage.local import LocalStorage
from aistudio.tools.storage.supabase import SupabasePolicy, SupabaseStorage, memo_object_key
from aistudio.tools.toolbox import build_toolbox
from aistudio.tools.vision.ingest import LocalIngestor
from aistudio.tools.vision.ocr import TextReader
from tests.conftest import sample
from tests.fakes.asgi import Fault, FaultPlan, serving
from tests.fakes.supabase import FakeSupabase

KEY = "service-role-test-key"
BUCKET = "media"
FAST = SupabasePolicy(attempts=6, backoff_s=0.01, max_backoff_s=0.05, timeout_s=0.5)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # binary, with CR/LF inside


@pytest.fixture
async def fake() -> AsyncIterator[FakeSupabase]:
    supabase = FakeSupabase(key=KEY)
    async with serving(supabase):
        yield supabase


def machine(
    fake: FakeSupabase, cache: Path, *, key: str = KEY, policy: SupabasePolicy = FAST
) -> SupabaseStorage:
    """A SupabaseStorage with its own cache: a second one is a second machine."""
    return SupabaseStorage(fake.base_url, key, bucket=BUCKET, cache_dir=cache, policy=policy)


async def test_bucket_is_created_once_and_found_after(fake: FakeSupabase, tmp_path: Path) -> None:
    first, second = machine(fake, tmp_path / "a"), machine(fake, tmp_path / "b")
    await first.ensure_bucket()
    await first.ensure_bucket()  # remembered: no second request
    await second.ensure_bucket()  # exists already: found, not created
    assert fake.buckets == {BUCKET: {"public": False}}
    assert fake.count("bucket-create") == 1 and fake.count("bucket-get") == 2
    lazy = FakeSupabase(key=KEY)  # a write on a fresh project creates the bucket itself
    async with serving(lazy):
        await machine(lazy, tmp_path / "c").put_bytes(
            b"x", kind="plan", mime="text/plain", ext="txt"
        )
    assert BUCKET in lazy.buckets
    assert not fake.unauthenticated and not lazy.unauthenticated


async def test_round_trip_sends_the_asset_mime(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a")
    asset = await storage.put_bytes(PNG, kind="keyframe", mime="image/png", ext="png", width=4)
    assert asset.key == f"objects/keyframe/{asset.sha256[:2]}/{asset.sha256}.png"
    assert asset.sha256 == hashlib.sha256(PNG).hexdigest() and asset.width == 4
    upload = fake.uploads[-1]
    assert (upload.method, upload.bucket, upload.path) == ("POST", BUCKET, asset.key)
    assert upload.file.content_type == "image/png"  # not storage3's text/plain default
    assert upload.file.filename == f"{asset.sha256}.png" and upload.file.body == PNG
    assert upload.parts["cacheControl"].body == b"31536000" and upload.upsert == "false"
    assert fake.objects[(BUCKET, asset.key)].content_type == "image/png"
    assert await storage.read_bytes(asset) == PNG
    assert fake.count("download") == 0  # the cache kept what was just uploaded
    # A second machine reads it through the wire.
    other = machine(fake, tmp_path / "b")
    assert await other.read_bytes(asset) == PNG and fake.count("download") == 1
    request = fake.requests[-1]
    assert request.headers["apikey"] == KEY and request.headers["authorization"] == f"Bearer {KEY}"
    assert not fake.unauthenticated
    dest = await other.export(asset, tmp_path / "out" / "frame.png")
    assert dest.read_bytes() == PNG and fake.count("download") == 1


async def test_identical_bytes_are_stored_once(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a")
    a = await storage.put_bytes(PNG, kind="keyframe", mime="image/png", ext="png")
    b = await storage.put_bytes(PNG, kind="keyframe", mime="image/png", ext="png")
    assert a == b and fake.count("upload") == 1  # same process: no request at all
    src = tmp_path / "same.png"
    src.write_bytes(PNG)
    assert await storage.put_file(src, kind="keyframe", mime="image/png", ext="png") == a
    assert not src.exists() and fake.count("upload") == 1
    # Another machine uploads the same bytes: Supabase answers 409 Duplicate, accepted.
    other = machine(fake, tmp_path / "b")
    assert await other.put_bytes(PNG, kind="keyframe", mime="image/png", ext="png") == a
    assert fake.count("upload") == 2
    assert len(fake.objects) == 1 and fake.objects[(BUCKET, a.key)].writes == 1


async def test_path_of_downloads_into_the_cache_and_verifies(
    fake: FakeSupabase, tmp_path: Path
) -> None:
    storage = machine(fake, tmp_path / "a")
    asset = await storage.put_bytes(b"clip" * 1000, kind="video", mime="video/mp4", ext="mp4")
    path = await storage.path_of(asset)
    assert path == tmp_path / "a" / asset.key
    path.unlink()  # the cache was cleaned (or this is a fresh container)
    again = await storage.path_of(asset)
    assert again.read_bytes() == b"clip" * 1000 and fake.count("download") == 1
    assert not list((tmp_path / "a").rglob(".tmp-*"))
    # Tampered in the bucket: every attempt fails its sha256 check, nothing is cached.
    fake.objects[(BUCKET, asset.key)].data = b"evil" * 1000
    again.unlink()
    with pytest.raises(ProviderError, match="sha256") as info:
        await storage.path_of(asset)
    assert info.value.provider == "supabase" and not info.value.retryable
    assert fake.count("download") == 1 + FAST.attempts
    assert not again.exists()


async def test_memo_is_shared_across_machines(fake: FakeSupabase, tmp_path: Path) -> None:
    first = machine(fake, tmp_path / "a")
    asset = await first.put_bytes(b"endcard", kind="end_card", mime="image/png", ext="png")
    assert await first.recall("endcard:1") is None
    await first.remember("endcard:1", asset)
    assert await first.recall("endcard:1") == asset
    memo = fake.objects[(BUCKET, memo_object_key("endcard:1"))]
    assert memo.content_type == "application/json"
    assert Asset.model_validate_json(memo.data) == asset
    # A new machine with an empty cache finds the work done elsewhere.
    second = machine(fake, tmp_path / "b")
    assert await second.recall("endcard:1") == asset
    assert await second.read_bytes(asset) == b"endcard"
    assert (tmp_path / "b" / memo_object_key("endcard:1")).exists()  # cached locally too
    # Re-pointing a memo overwrites it (upsert), it does not answer 409.
    newer = await second.put_bytes(b"endcard-v2", kind="end_card", mime="image/png", ext="png")
    await second.remember("endcard:1", newer)
    assert await machine(fake, tmp_path / "c").recall("endcard:1") == newer
    # A memo pointing at a vanished object is a miss on a machine that never saw it.
    del fake.objects[(BUCKET, newer.key)]
    assert await machine(fake, tmp_path / "d").recall("endcard:1") is None


async def test_signed_url_serves_until_it_expires(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a")
    asset = await storage.put_bytes(b"final video", kind="video", mime="video/mp4", ext="mp4")
    url = await storage.signed_url(asset, ttl_s=60)
    assert url.startswith(f"{fake.base_url}/storage/v1/object/sign/{BUCKET}/{asset.key}?token=")
    assert fake.sign_bodies[-1] == {"expiresIn": "60"}  # a string, as storage3 sends it
    async with httpx.AsyncClient() as client:  # no key: the token is the credential
        ok = await client.get(url)
        assert ok.status_code == 200 and ok.content == b"final video"
        assert ok.headers["content-type"] == "video/mp4"
        forged = await client.get(url[:-4] + "0000")
        assert forged.status_code == 400 and forged.json()["error"] == "InvalidJWT"
        fake.clock_offset_s = 61
        expired = await client.get(url)
        assert expired.status_code == 400 and expired.json()["error"] == "InvalidJWT"
    default = await storage.signed_url(asset)
    assert default.startswith(fake.base_url) and fake.sign_bodies[-1] == {"expiresIn": "3600"}


async def test_thirty_percent_faults_still_succeed(tmp_path: Path) -> None:
    kinds: tuple[Fault, ...] = ("429", "500", "502-nginx", "503", "hang", "malformed")
    # Seed 11 happens to inject every kind asserted below (429, hang, malformed) on the way.
    fake = FakeSupabase(FaultPlan(rate=0.3, kinds=kinds, hang_s=1.0, seed=11), key=KEY)
    policy = SupabasePolicy(attempts=8, backoff_s=0.01, max_backoff_s=0.05, timeout_s=0.3)
    async with serving(fake):
        first = machine(fake, tmp_path / "a", policy=policy)
        blobs = [f"blob {i}".encode() * 50 for i in range(8)]
        assets = [
            await first.put_bytes(b, kind="plan", mime="application/octet-stream", ext="bin")
            for b in blobs
        ]
        for i, asset in enumerate(assets):
            await first.remember(f"memo:{i}", asset)
        second = machine(fake, tmp_path / "b", policy=policy)
        for i, (blob, asset) in enumerate(zip(blobs, assets, strict=True)):
            assert await second.recall(f"memo:{i}") == asset
            assert await second.read_bytes(asset) == blob
        urls = [await second.signed_url(a) for a in assets[:3]]
    assert all("token=" in u for u in urls)
    assert {(BUCKET, a.key) for a in assets} <= set(fake.objects)
    injected = {kind for _, kind in fake.faults_injected}
    assert len(fake.faults_injected) >= 10 and {"429", "hang", "malformed"} <= injected


async def test_permanent_403_is_not_retried(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a", key="a-wrong-key")
    with pytest.raises(ProviderError) as info:
        await storage.put_bytes(b"x", kind="plan", mime="text/plain", ext="txt")
    error = info.value
    assert (error.provider, error.status, error.retryable) == ("supabase", 403, False)
    assert len(fake.requests) == 1 and len(fake.unauthenticated) == 1


async def test_missing_object_is_not_found(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a")
    await storage.ensure_bucket()
    ghost = Asset(
        key="objects/video/ab/" + "ab" * 32 + ".mp4",
        kind="video",
        mime="video/mp4",
        sha256="ab" * 32,
        size_bytes=3,
    )
    with pytest.raises(NotFound):
        await storage.path_of(ghost)
    with pytest.raises(NotFound):
        await storage.read_bytes(ghost)
    with pytest.raises(NotFound):
        await storage.signed_url(ghost)
    assert not await storage.exists(ghost)
    assert fake.count("download") == 2  # a 404 is final: no retries


async def test_scratch_is_local_and_removed(fake: FakeSupabase, tmp_path: Path) -> None:
    storage = machine(fake, tmp_path / "a")
    async with storage.scratch() as scratch:
        out = scratch / "render.mp4"
        out.write_bytes(b"mp4 bytes")
        asset = await storage.put_file(out, kind="video", mime="video/mp4", ext="mp4")
    assert not scratch.exists() and fake.uploads[-1].file.content_type == "video/mp4"
    assert await machine(fake, tmp_path / "b").exists(asset)


async def test_build_storage_chooses_by_settings(tmp_path: Path) -> None:
    assert isinstance(build_storage(Settings(data_dir=tmp_path)), LocalStorage)
    with pytest.raises(ToolUnavailable, match="AISTUDIO_SUPABASE__URL and SUPABASE_KEY"):
        build_storage(Settings(data_dir=tmp_path, storage_backend="supabase"))
    settings = Settings(
        data_dir=tmp_path,
        storage_backend="supabase",
        supabase_key=KEY,
        supabase=SupabaseSettings(url="http://127.0.0.1:9", bucket="b", timeout_s=3.0),
    )
    storage = build_storage(settings)  # sends no request
    assert isinstance(storage, SupabaseStorage)
    assert (storage.bucket, storage.policy.timeout_s) == ("b", 3.0)
    assert storage.cache.root == supabase_cache_dir(settings)


async def test_start_up_hooks(fake: FakeSupabase, tmp_path: Path) -> None:
    local = LocalStorage(tmp_path / "local")
    await start_storage(local)  # no-ops for local storage
    await close_storage(local)
    remote = machine(fake, tmp_path / "a")
    await start_storage(remote)
    assert BUCKET in fake.buckets
    await close_storage(remote)
    bad = machine(fake, tmp_path / "b", key="revoked")
    with pytest.raises(ProviderError, match="invalid signature"):
        await start_storage(bad)  # a bad key fails at start-up, not in the first job


async def test_one_instance_serves_several_event_loops(fake: FakeSupabase, tmp_path: Path) -> None:
    # Tools are built once and shared across loops (module-scoped fixtures, Studio): the
    # SDK client (httpx, bound to a loop) is rebuilt per loop.
    storage = machine(fake, tmp_path / "a")
    asset = await storage.put_bytes(b"loop", kind="plan", mime="text/plain", ext="txt")
    (await storage.path_of(asset)).unlink()
    path = await asyncio.to_thread(asyncio.run, storage.path_of(asset))
    assert path.read_bytes() == b"loop" and fake.count("download") == 1
    assert await storage.signed_url(asset)  # back on this loop
    await storage.aclose()


@pytest.mark.slow
async def test_real_tools_run_on_supabase_storage(fake: FakeSupabase, tmp_path: Path) -> None:
    """Ingest a product photo and render its end card with the real local tools on Supabase
    storage; a second machine reuses the end card through the memo and hands the downloaded
    file to FFmpeg."""
    settings = Settings(data_dir=tmp_path / "data")
    tools = build_toolbox(settings)  # for FFmpeg; the storage-bound tools are rebuilt below
    first = machine(fake, tmp_path / "a")
    data = await asyncio.to_thread(sample("aurum-perfume.png").read_bytes)
    product = await LocalIngestor(first, settings.limits, TextReader()).ingest(data)
    assert (BUCKET, product.cutout.key) in fake.objects
    card = EndCard(headline="AURUM", call_to_action="Shop now")
    headroom = settings.render.motion_headroom
    rendered = await StillsRenderer(first, headroom).end_card(card, product, "9:16", "luxurious")
    uploads = fake.count("upload")

    second = machine(fake, tmp_path / "b")  # a fresh worker: empty cache
    again = await StillsRenderer(second, headroom).end_card(card, product, "9:16", "luxurious")
    assert again == rendered and fake.count("upload") == uploads  # memo hit, nothing redone
    probe = await tools.ffmpeg.probe(await second.path_of(again))
    assert (probe.width, probe.height) == (rendered.width, rendered.height)
    async with second.scratch() as scratch:
        poster = scratch / "poster.jpg"
        await tools.ffmpeg.extract_poster(await second.path_of(again), 0.0, poster)
        stored = await second.put_file(poster, kind="poster", mime="image/jpeg", ext="jpg")
    assert fake.uploads[-1].file.content_type == "image/jpeg"
    assert fake.objects[(BUCKET, stored.key)].data[:2] == b"\xff\xd8"
