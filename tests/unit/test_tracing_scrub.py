"""What a trace may carry: secrets, signed-link credentials and base64 never leave."""

from __future__ import annotations

import base64
import json

from aistudio.settings import Settings
from aistudio.tools.tracing import REDACTED, RunLabels, Tracing, scrub, scrub_text

PHOTO = base64.b64encode(bytes(range(256)) * 8).decode()


def test_keys_tokens_and_signed_queries_are_redacted() -> None:
    text = (
        "openai sk-proj-abcdefghijklmnop1234 ours ais_k1_0123456789abcdef "
        "replicate r8_0123456789abcdefghij langsmith lsv2_pt_0123456789abcdef_12 "
        "fal 0b9f1c2e-1234-4abc-9def-0123456789ab:0123456789abcdef0123 "
        "Authorization: Bearer abc123def456ghi789 "
        "link https://s.example/api/v1/assets/j1/video.mp4?expires=1700000000&sig=AbCd_ef "
        "supabase https://x.supabase.co/storage/v1/object/sign/b/k.png?token=eyJhbGciOiJIUzI1NiJ9.eyJ1cmwiOiJ4In0.c2lnbmF0dXJl"
    )
    clean = scrub_text(text)
    for secret in (
        "sk-proj-abcdefghijklmnop1234",
        "ais_k1_0123456789abcdef",
        "r8_0123456789abcdefghij",
        "lsv2_pt_0123456789abcdef_12",
        "0123456789abcdef0123",
        "abc123def456ghi789",
        "1700000000",
        "AbCd_ef",
        "eyJhbGciOiJIUzI1NiJ9",
    ):
        assert secret not in clean, secret
    # What makes the trace useful stays: the paths, the words.
    assert "https://s.example/api/v1/assets/j1/video.mp4?expires=" in clean
    assert "openai" in clean and "supabase" in clean


def test_base64_payloads_and_data_urls_are_replaced_by_a_marker() -> None:
    message = {
        "content": [
            {"type": "text", "text": "here is my bottle"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PHOTO}"}},
        ],
        "reference_image_b64": PHOTO,
    }
    clean = json.dumps(scrub(message))
    assert PHOTO[:60] not in clean and "data:image/png;base64," + REDACTED in clean
    assert "here is my bottle" in clean


def test_secret_named_fields_go_but_token_counts_stay() -> None:
    clean = scrub(
        {
            "api_key": "anything",
            "webhook_secret": "whsec_x",
            "Authorization": "Key abc",
            "usage": {"input_tokens": 12, "output_tokens": 3, "max_tokens": 100},
            "key": "reference/ab/abcdef.png",  # a storage key is not a credential
        }
    )
    assert clean["api_key"] == clean["webhook_secret"] == clean["Authorization"] == REDACTED
    assert clean["usage"] == {"input_tokens": 12, "output_tokens": 3, "max_tokens": 100}
    assert clean["key"] == "reference/ab/abcdef.png"


def test_ordinary_copy_is_left_alone() -> None:
    copy = "Key differentiators: hand-polished glass. Book your seat at aurum.example today."
    assert scrub_text(copy) == copy


def test_untraced_runs_are_still_named_and_tagged() -> None:
    tracing = Tracing(Settings(langsmith_tracing=True))  # no key: nothing is sent
    assert not tracing.enabled
    config = tracing.config(RunLabels("video", job_id="promo-1", tenant="acme", kind="promo"))
    assert config["run_name"] == "aistudio.video"
    assert config["tags"] == ["graph:video", "job:promo-1", "tenant:acme", "kind:promo"]
    assert config["metadata"] == {
        "graph": "video",
        "job_id": "promo-1",
        "tenant": "acme",
        "kind": "promo",
    }
    assert "callbacks" not in config
