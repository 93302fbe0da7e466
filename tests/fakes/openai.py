"""A loopback OpenAI: chat completions (structured output and tool calls), moderations and
speech, as the openai SDK / langchain-openai speak them (shared/reference/providers.md §1),
with the fault injection of `tests.fakes.asgi`.

Chat answers are scripted per schema name (`response_format.json_schema.name`, or the
forced tool's name for `method="function_calling"`): `answers[name]` is the JSON (or a
function of the request body returning it); `script(name, *steps)` queues what the next
calls for that schema get: "ok", a JSON payload, or a failure mode ("refusal", "length",
"malformed", "invalid", "filter").

A tool-calling agent (a model bound to tools: `tools` without `tool_choice`) gets the turns
queued with `converse(*turns)` (`tests.fakes.openai_agent`: streamed when asked).
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from tests.fakes.asgi import FakeService, FaultPlan, Json, Request, Response
from tests.fakes.openai_agent import TurnStep, agent_answer, completion, is_agent_call

Mode = Literal["ok", "refusal", "length", "malformed", "invalid", "filter"]
Answer = Json | Callable[[dict[str, Any]], Json]
Step = Mode | dict[str, Any]
API_KEY = "sk-test"  # the key the fake accepts
CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = (
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "violence",
    "violence/graphic",
)
SPEECH_RATE = 24_000
SECONDS_PER_WORD = 0.35  # the fake voice's pace at speed 1.0
SPEECH_PAD_S = 0.15  # silence the fake puts before and after the words (real TTS does too)

_SHOTS = [
    (
        "wide",
        "push_in",
        "The bottle stands alone on a dark glossy plinth.",
        "Cinematic studio shot of the bottle on a glossy plinth, warm rim light.",
        "Amber warmth",
    ),
    (
        "close",
        "orbit",
        "The gold cap catches a slow sweep of light.",
        "Close-up of the gold cap, light sweeping across its edges.",
        "A gold cap, polished",
    ),
    (
        "macro",
        "parallax",
        "Macro of the glass and the amber liquid inside.",
        "Macro detail of the glass surface and amber liquid, soft reflections.",
        "Pure glass",
    ),
    (
        "medium",
        "pan_left",
        "The bottle front on, label crisp.",
        "Medium shot of the bottle, label facing camera, soft key light.",
        "Shop now",
    ),
]
DEFAULT_ANSWERS: dict[str, Answer] = {
    "ConceptDraft": {
        "title": "AURUM: golden hour",
        "logline": "A slow, luminous study of the bottle.",
        "vibe": "luxurious",
        "grade": "luxurious",
        "music_mood": "luxurious",
        "tagline": "Amber warmth, bottled",
        "call_to_action": "Shop now",
        "product_name": "AURUM Eau de Parfum",
        "selling_points": ["amber and vanilla", "polished glass bottle"],
    },
    "ShotListDraft": {
        "shots": [
            {
                "framing": f,
                "camera_move": m,
                "duration_s": 2.0,
                "description": d,
                "provider_prompt": p,
                "caption": c,
            }
            for f, m, d, p, c in _SHOTS
        ]
    },
    "VoiceScriptDraft": {
        "lines": [
            {"shot_number": 1, "text": "I love this."},
            {"shot_number": 2, "text": "My new favourite."},
            {"shot_number": 3, "text": "Warm, soft, lasting."},
            {"shot_number": 4, "text": "Shop now, honestly."},
        ]
    },
    "AssemblyDraft": {
        "transitions": ["fade", "fadeblack", "fade", "fadeblack"],
        "end_card_headline": "AURUM",
        "end_card_call_to_action": "Shop now",
    },
    "PlanJudgeVerdict": {"score": 86, "summary": "A sound, product-led plan.", "violations": []},
    "ProductAnalysisDraft": {
        "brand": "AURUM",
        "product_name": "AURUM Eau de Parfum",
        "category": "perfume",
        "visible_text": ["AURUM", "EAU DE PARFUM"],
        "colours": ["amber", "gold"],
        "material": "glass",
        "shape": "rectangular bottle",
        "components": ["cap", "bottle"],
    },
    "ProductAnalysisAudit": {
        "brand": "AURUM",
        "product_name": "AURUM Eau de Parfum",
        "category": "perfume",
        "visible_text": ["AURUM", "EAU DE PARFUM"],
        "colours": ["amber", "gold"],
        "material": "glass",
        "shape": "rectangular bottle",
        "components": ["gold cap", "bottle"],
        "corrections": ["the cap is gold"],
    },
    "TitleDraft": {"title": "AURUM, in golden light"},
}


def speech_wav(seconds: float, *, streamed: bool = False) -> bytes:
    """A mono 16-bit WAV: padding, a 220 Hz tone of `seconds`, padding. `streamed` writes
    the placeholder sizes a streaming TTS response carries."""
    pad = np.zeros(int(SPEECH_PAD_S * SPEECH_RATE), dtype=np.float32)
    t = np.arange(int(seconds * SPEECH_RATE), dtype=np.float32) / SPEECH_RATE
    tone = 0.4 * np.sin(2 * math.pi * 220.0 * t).astype(np.float32)
    pcm = (np.concatenate([pad, tone, pad]) * 32767).astype("<i2").tobytes()
    riff, data = (0xFFFFFFFF, 0xFFFFFFFF) if streamed else (36 + len(pcm), len(pcm))
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        riff,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        SPEECH_RATE,
        SPEECH_RATE * 2,
        2,
        16,
        b"data",
        data,
    )
    return header + pcm


def speech_seconds(text: str, speed: float = 1.0) -> float:
    """How long the fake speaks `text` (without its padding)."""
    return round(SECONDS_PER_WORD * len(text.split()) / speed, 4)


class FakeOpenAI(FakeService):
    def __init__(
        self, faults: FaultPlan | None = None, answers: dict[str, Answer] | None = None
    ) -> None:
        super().__init__(faults)
        self.answers: dict[str, Answer] = {**DEFAULT_ANSWERS, **(answers or {})}
        self.steps: dict[str, list[Step]] = {}
        self.flag_terms: set[str] = set()  # text containing one is flagged "violence"
        self.flag_images = False  # every image is flagged "sexual"
        self.streamed_wav = False
        self.turns: list[TurnStep] = []
        self._ids = itertools.count(1)

    # -- scripting and inspection --------------------------------------------------------
    def script(self, name: str, *steps: Step) -> None:
        self.steps.setdefault(name, []).extend(steps)

    def converse(self, *turns: TurnStep) -> None:
        """Queue the tool-calling agent's next answers (a Turn, or a function of the request
        body returning one: a model that reads what the tools said)."""
        self.turns.extend(turns)

    def agent_bodies(self) -> list[dict[str, Any]]:
        """Bodies of the tool-calling agent's requests, in order."""
        return [b for b in self.chat_bodies() if is_agent_call(b)]

    def chat_bodies(self, name: str | None = None) -> list[dict[str, Any]]:
        """Bodies of the chat requests that reached the handler (not the faulted ones)."""
        bodies = [r.json() for r in self.requests if r.route == "chat" and r.body[:1] == b"{"]
        return [b for b in bodies if name is None or schema_name(b) == name]

    def schema_names(self) -> list[str]:
        return [schema_name(b) for b in self.chat_bodies()]

    # -- routing -------------------------------------------------------------------------
    def route(self, request: Request) -> str:
        routes = {
            "/v1/chat/completions": "chat",
            "/v1/moderations": "moderations",
            "/v1/audio/speech": "speech",
        }
        return routes.get(request.path, "unknown")

    def error_body(self, status: int, message: str) -> Json:
        kinds = {401: "invalid_request_error", 429: "requests", 400: "invalid_request_error"}
        return {
            "error": {
                "message": message,
                "type": kinds.get(status, "server_error"),
                "param": None,
                "code": None,
            }
        }

    async def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return Response.of(
                {
                    "error": {
                        "message": "Incorrect API key provided: sk-wr***. You can find your "
                        "API key at https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
                401,
                **{"x-request-id": "req_401"},
            )
        handler: dict[str, Callable[[dict[str, Any]], Response]] = {
            "chat": self._chat,
            "moderations": self._moderations,
            "speech": self._speech,
        }
        if request.route not in handler:
            return Response.of(self.error_body(404, f"no route {request.path}"), 404)
        return handler[request.route](request.json())

    # -- chat completions ----------------------------------------------------------------
    def _payload(self, name: str, body: dict[str, Any]) -> Json:
        answer = self.answers.get(name)
        if answer is None:
            raise KeyError(f"the fake has no answer for schema {name!r}")
        return answer(body) if callable(answer) else answer

    def _agent(self, body: dict[str, Any]) -> Response:
        if not self.turns:
            return Response.of(self.error_body(500, "the fake has no scripted turn left"), 500)
        step = self.turns.pop(0)
        return agent_answer(step(body) if callable(step) else step, body, self._ids)

    def _chat(self, body: dict[str, Any]) -> Response:
        if is_agent_call(body):
            return self._agent(body)
        if body.get("stream"):  # structured output is never streamed (tools/llm.py)
            return Response.of(self.error_body(400, "the fake streams no structured output"), 400)
        name = schema_name(body)
        queue = self.steps.get(name)
        step: Step = queue.pop(0) if queue else "ok"
        payload = step if isinstance(step, dict) else self._payload(name, body)
        content = json.dumps(payload)
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        finish = "stop"
        if step == "refusal":
            message |= {"content": None, "refusal": "I'm sorry, I can't help with that."}
        elif step == "length":
            message["content"], finish = content[: len(content) // 2], "length"
        elif step == "filter":
            message["content"], finish = None, "content_filter"
        elif step == "malformed":
            message["content"] = '{"title": "oops", '  # cut-off JSON
        elif step == "invalid":
            message["content"] = json.dumps({"unexpected": True})
        if body.get("tool_choice") and message["content"] is not None and finish == "stop":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{next(self._ids)}",
                        "type": "function",
                        "function": {"name": name, "arguments": message["content"]},
                    }
                ],
            }
            finish = "tool_calls"
        return completion(body, message, finish, str(next(self._ids)))

    # -- moderations ---------------------------------------------------------------------
    def _result(self, texts: list[str], images: int) -> dict[str, Any]:
        flagged: set[str] = set()
        if any(term in text.lower() for text in texts for term in self.flag_terms):
            flagged.add("violence")
        if images and self.flag_images:
            flagged.add("sexual")
        applied = {c: ["text", "image"] if c in IMAGE_CATEGORIES else ["text"] for c in CATEGORIES}
        return {
            "flagged": bool(flagged),
            "categories": {c: c in flagged for c in CATEGORIES},
            "category_scores": {c: 0.93 if c in flagged else 0.0004 for c in CATEGORIES},
            "category_applied_input_types": applied,
        }

    def _moderations(self, body: dict[str, Any]) -> Response:
        data = body["input"]
        if isinstance(data, str):
            results = [self._result([data], 0)]
        elif all(isinstance(item, str) for item in data):
            results = [self._result([item], 0) for item in data]
        else:  # multi-modal: one result for the whole input, as the API answers
            texts = [i["text"] for i in data if i.get("type") == "text"]
            images = [i for i in data if i.get("type") == "image_url"]
            if not all(i["image_url"]["url"].startswith("data:image/") for i in images):
                return Response.of(self.error_body(400, "image_url must be a data URL"), 400)
            results = [self._result(texts, len(images))]
        return Response.of(
            {"id": f"modr-{next(self._ids)}", "model": body.get("model"), "results": results}
        )

    # -- speech --------------------------------------------------------------------------
    def _speech(self, body: dict[str, Any]) -> Response:
        if body.get("response_format") != "wav":
            return Response.of(self.error_body(400, "the fake only speaks wav"), 400)
        seconds = speech_seconds(body["input"], float(body.get("speed", 1.0)))
        return Response(
            200, speech_wav(seconds, streamed=self.streamed_wav), {"content-type": "audio/wav"}
        )


def schema_name(body: dict[str, Any]) -> str:
    """The structured-output schema a chat request asks for (json_schema or forced tool)."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return str(response_format["json_schema"]["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return str(choice["function"]["name"])
    return ""
