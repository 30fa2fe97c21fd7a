"""The actions' services: read from the environment once, again only when it changes."""

from __future__ import annotations

import os

from bot.services import default_services
from bot.settings import Settings


def test_default_services_are_shared_while_the_environment_is_unchanged() -> None:
    first = default_services()
    assert default_services() is first
    assert first.settings == Settings.from_env()


def test_default_services_follow_a_changed_setting() -> None:
    before = default_services()
    original = os.environ.get("SUPPORTBOT_WEB_PORT")
    os.environ["SUPPORTBOT_WEB_PORT"] = "8911"
    try:
        changed = default_services()
        assert changed is not before
        assert changed.settings.web_port == 8911
    finally:
        if original is None:
            del os.environ["SUPPORTBOT_WEB_PORT"]
        else:
            os.environ["SUPPORTBOT_WEB_PORT"] = original
    assert default_services() is before
