"""The actions' services: read from the environment once, again only when it changes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bot import services
from bot.settings import Settings


@pytest.fixture
def settings_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Settings]]:
    """Every ``Settings.from_env`` the services make, in order, from an empty cache."""
    reads: list[Settings] = []
    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Settings]) -> Settings:
        reads.append(original(cls))
        return reads[-1]

    monkeypatch.setattr(Settings, "from_env", classmethod(counted))
    services._services_for_environment.cache_clear()
    yield reads
    services._services_for_environment.cache_clear()


def test_the_settings_are_read_once_while_the_environment_is_unchanged(
    settings_reads: list[Settings],
) -> None:
    first = services.default_services()
    assert services.default_services() is first
    assert services.default_services() is first
    assert len(settings_reads) == 1
    assert first.settings == settings_reads[0]


def test_a_changed_setting_is_read_again(
    settings_reads: list[Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = os.environ.get("SUPPORTBOT_WEB_PORT")
    before = services.default_services()
    monkeypatch.setenv("SUPPORTBOT_WEB_PORT", "8911")
    changed = services.default_services()
    assert len(settings_reads) == 2
    assert changed is not before
    assert changed.settings.web_port == 8911
    if original is None:
        monkeypatch.delenv("SUPPORTBOT_WEB_PORT")
    else:
        monkeypatch.setenv("SUPPORTBOT_WEB_PORT", original)
    assert services.default_services() is before
    assert len(settings_reads) == 2
