"""The web studio at `/`: the built page, its files, the app's own routes on reload, and
API paths that stay API paths (problem documents, never the page)."""

from __future__ import annotations

from aistudio.server.webui import WEB_ROOT
from tests.server.conftest import AppFactory


def _built_script() -> str:
    return next(p.name for p in (WEB_ROOT / "static").glob("index-*.js"))


async def test_page_and_client_routes_answer_with_the_app(open_app: AppFactory) -> None:
    async with open_app(dev_mode=False) as client:  # the page itself needs no key
        for path in ("/", "/jobs", "/jobs/promo-123", "/jobs/a.b-1", "/login"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html")
            assert '<div id="app">' in response.text
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["cache-control"] == "no-cache"


async def test_built_files_are_served_with_long_caching(open_app: AppFactory) -> None:
    async with open_app() as client:
        response = await client.get(f"/static/{_built_script()}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
        assert "immutable" in response.headers["cache-control"]
        assert response.content == (WEB_ROOT / "static" / _built_script()).read_bytes()


async def test_missing_files_and_api_paths_are_problems_not_the_page(open_app: AppFactory) -> None:
    async with open_app() as client:
        for path in ("/static/nope.js", "/favicon.ico", "/api/v1/no-such-route", "/api"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json")
        # Outside the build folder there is nothing to read, however the path is spelled.
        for path in ("/static/..%2F..%2F..%2Fpyproject.toml", "/..%2Fserver%2Fapp.py"):
            response = await client.get(path)
            assert b"[project]" not in response.content
            assert b"create_app" not in response.content


async def test_api_routes_are_untouched(open_app: AppFactory) -> None:
    async with open_app(dev_mode=False) as client:
        response = await client.get("/api/v1/jobs")
        assert response.status_code == 401  # still the API's own answer
        assert (await client.get("/health")).json()["status"] == "ok"
        spec = (await client.get("/api/v1/docs/openapi.json")).json()
        assert "/" not in spec["paths"] and "/{path}" not in spec["paths"]
