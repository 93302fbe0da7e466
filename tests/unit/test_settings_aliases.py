"""The original AI Studio's environment names still configure the service."""

from __future__ import annotations

import pytest

from aistudio.settings import Settings


def test_original_names_fill_the_nested_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://demo.supabase.co")
    monkeypatch.setenv("SUPABASE_KEY", "service-role-key")
    monkeypatch.setenv("POLL_INTERVAL_SEC", "5")
    monkeypatch.setenv("POLL_MAX_MIN", "10")
    settings = Settings()
    assert settings.supabase.url == "https://demo.supabase.co"
    assert settings.supabase_key is not None
    assert settings.providers.poll_max_s == 5.0
    assert settings.providers.poll_initial_s == 1.0  # already below the interval
    assert settings.providers.shot_deadline_s == 600.0


def test_nested_names_win_over_the_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://old.supabase.co")
    monkeypatch.setenv("AISTUDIO_SUPABASE__URL", "https://new.supabase.co")
    monkeypatch.setenv("POLL_MAX_MIN", "10")
    monkeypatch.setenv("AISTUDIO_PROVIDERS__SHOT_DEADLINE_S", "30")
    settings = Settings()
    assert settings.supabase.url == "https://new.supabase.co"
    assert settings.providers.shot_deadline_s == 30.0


def test_a_poll_interval_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLL_INTERVAL_SEC", "0")
    with pytest.raises(ValueError, match="POLL_INTERVAL_SEC"):
        Settings()
