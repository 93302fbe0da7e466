"""The OpenAPI document describes the errors the API really sends: problem documents."""

from __future__ import annotations

from typing import Any

from aistudio.server.openapi import ProblemDetails
from tests.server.conftest import AppFactory, new_key, promo_body

PROMO = "/api/v1/video/generate-promo-video"


def _error_responses(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (path, method, status, response)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for status, response in operation.get("responses", {}).items()
        if status.startswith("4")
    ]


async def test_every_documented_error_is_a_problem_document(open_app: AppFactory) -> None:
    async with open_app() as client:
        schema = (await client.get("/api/v1/docs/openapi.json")).json()
    errors = _error_responses(schema)
    assert errors
    for path, method, status, response in errors:
        content = response.get("content", {})
        assert list(content) == ["application/problem+json"], (path, method, status)
        ref = content["application/problem+json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/ProblemDetails", (path, method, status)
    problem = schema["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])

    promo = schema["paths"][PROMO]["post"]["responses"]
    assert {"202", "400", "401", "409", "413", "415", "422", "429"} <= set(promo)
    one_job = schema["paths"]["/api/v1/jobs/{job_id}"]["get"]["responses"]
    assert {"401", "404", "429"} <= set(one_job) and "413" not in one_job
    # Signed links need no key: no 401 documented where none can be answered.
    assert "401" not in schema["paths"]["/api/v1/assets/{job_id}/{name}"]["get"]["responses"]


async def test_real_error_bodies_match_the_documented_schema(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        answers = [
            await client.post(PROMO, json=promo_body()),  # 401: no key
            await client.get("/api/v1/jobs/missing", headers=headers),  # 404
            await client.post(PROMO, json={"content": ""}, headers=headers),  # 400/422
            await client.post(
                PROMO, content=b"{not json", headers={**headers, "content-type": "application/json"}
            ),
        ]
    for answer in answers:
        assert answer.status_code in {400, 401, 404, 422}, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        ProblemDetails.model_validate(answer.json())
