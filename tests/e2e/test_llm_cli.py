"""The real CLI with the LLM agents, OpenAI moderation and OpenAI speech, all on the
loopback OpenAI: the job completes, QA passes, and every agent made exactly one
structured-output request with its schema."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import sample
from tests.e2e.test_cli_generate import CASES
from tests.fakes.asgi import serving
from tests.fakes.openai import API_KEY, FakeOpenAI

pytestmark = pytest.mark.slow
SCHEMAS = [
    "ProductAnalysisDraft",
    "ProductAnalysisAudit",
    "ConceptDraft",
    "ShotListDraft",
    "VoiceScriptDraft",
    "AssemblyDraft",
    "PlanJudgeVerdict",
    "TitleDraft",
]


async def test_promo_on_the_llm_agents_openai_moderation_and_speech(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
) -> None:
    fake = FakeOpenAI()
    image, brief = CASES["promo"]
    out = tmp_path / "out"
    async with serving(fake):
        env = {
            **{k: v for k, v in cli_env.items() if not k.startswith("OPENAI_")},
            "OPENAI_API_KEY": API_KEY,
            "AISTUDIO_LLM__BASE_URL": f"{fake.base_url}/v1",
            "AISTUDIO_LLM__VOICE": "openai",
            "AISTUDIO_LLM__TIMEOUT_S": "20",
        }
        proc = await asyncio.create_subprocess_exec(
            *aistudio_cmd,
            "generate",
            "promo",
            "--image",
            str(sample(image)),
            "--brief",
            brief,
            "--voice-over",
            "--duration",
            "8",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--job-id",
            "llm-promo",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        log, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    assert proc.returncode == 0, log.decode(errors="replace")[-4000:]
    qa = json.loads((out / "qa.json").read_text())
    assert qa["passed"], [c for c in qa["output"]["checks"] if not c["passed"]]
    assert fake.schema_names() == SCHEMAS  # one structured-output request per agent
    assert all(b["response_format"]["json_schema"]["strict"] for b in fake.chat_bodies())
    plan = json.loads((out / "plan.json").read_text())
    assert plan["concept"]["title"] == "AURUM: golden hour"  # the LLM's concept, not offline
    lines = plan["audio"]["script"]
    assert fake.count("speech") == len(lines) > 0  # every line spoken by OpenAI TTS
    # the brief, the reference photo and the output frames went through OpenAI moderation
    assert fake.count("moderations") >= 3
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["title"] == "AURUM, in golden light"  # the title agent named the job
    assert provenance["tools"]["voice"].startswith("openai-tts:")
    assert provenance["tools"]["moderation"] == "openai(omni-moderation-latest)"
    assert provenance["tools"]["planner"].startswith("llm:gpt-4o-mini")
