"""The web studio at `/`: the single-page app built from `web/` into `aistudio/assets/web`.

The build ships inside the package (a Python-only install gets the page without Node.js);
`scripts/setup` rebuilds it when `web/` changed, and `build.json` records the digest of
the sources it was built from (`tests/web/test_build.py` checks it). The page uses only
the public API. Every path that is not a file of the build and not an API route answers
with `index.html`, so the app's own routes (`/jobs/<id>`) survive a reload.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
from pathlib import Path

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import File, Response

from aistudio.errors import NotFound

WEB_ROOT = Path(__file__).resolve().parent.parent / "assets" / "web"
SOURCE_FILES = (
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
)

# The page talks only to its own origin; pictures and videos come through signed links,
# which may live on another host when AISTUDIO_SERVER__PUBLIC_BASE_URL says so.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
# Vite names every built asset after its content: it never changes under its name.
_ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",
}
_NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>AI Studio</title>"
    "<p>The web studio is not built. Run <code>scripts/setup</code> (it needs Node.js), "
    "or use the API at <a href=/api/v1/docs>/api/v1/docs</a>.</p>"
)


def source_digest(web_dir: Path) -> str:
    """The digest `web/scripts/stamp.mjs` records in build.json: sha256 over every source
    file, in sorted order of its path relative to `web_dir`, as "<path>\\0<bytes>\\0"."""
    files = [web_dir / name for name in SOURCE_FILES]
    files += [p for p in (web_dir / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(web_dir).as_posix() for p in files):
        digest.update(rel.encode() + b"\0")
        digest.update((web_dir / rel).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _built_file(root: Path, path: str) -> Path | None:
    """The build's file at `path`, never anything outside the build folder."""
    if not path or path.endswith("/"):
        return None
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


async def _page(path: str) -> File | Response[str]:
    if path == "api" or path.startswith("api/"):
        raise NotFound("no such API route")  # an API typo is a problem document, not the page
    found = await asyncio.to_thread(_built_file, WEB_ROOT, path)
    if found is not None and found.name != "index.html":
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return File(
            found, media_type=media_type, headers=_ASSET_HEADERS, content_disposition_type="inline"
        )
    # A missing script, image or /favicon.ico is not the page (a job id in /jobs/<id> may
    # hold a dot, so only top-level names count as files).
    if path.startswith("static/") or ("/" not in path and "." in path):
        raise NotFound("no such file")
    index = WEB_ROOT / "index.html"
    if not await asyncio.to_thread(index.is_file):
        return Response(_NOT_BUILT, media_type="text/html", status_code=503, headers=_PAGE_HEADERS)
    return File(
        index, media_type="text/html", headers=_PAGE_HEADERS, content_disposition_type="inline"
    )


class WebStudioController(Controller):
    path = "/"
    include_in_schema = False

    @get("/")
    async def index(self) -> File | Response[str]:
        return await _page("")

    @get("/{path:path}")
    async def page(self, path: FromPath[str]) -> File | Response[str]:
        return await _page(path.lstrip("/"))
