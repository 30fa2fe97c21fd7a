"""The demo shop's pages, each with the chat widget embedded exactly as a customer site would."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"

#: The demo site's pages: path -> (template, title). Two pages, to show that the conversation
#: follows the customer from page to page.
PAGES = {
    "/": ("home.html", "Outdoor clothing and boots"),
    "/boots": ("boots.html", "Ridgeway leather walking boots"),
}


def widget_snippet(config: dict[str, Any], *, script_url: str) -> str:
    """The two tags a site adds: the optional configuration, then the widget script."""
    # JSON inside <script>: "<" is escaped so no value can close the tag.
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    return (
        f"<script>window.SupportbotConfig = {payload};</script>\n"
        f'<script src="{html.escape(script_url)}" defer></script>'
    )


def render_page(path: str, *, company: str, widget: str) -> str | None:
    """The page at ``path`` with the widget, or None if the demo site has no such page."""
    if path not in PAGES:
        return None
    template, title = PAGES[path]
    layout = (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    content = (TEMPLATES / template).read_text(encoding="utf-8")
    return (
        layout.replace("{{ title }}", html.escape(f"{title} · {company}"))
        .replace("{{ company }}", html.escape(company))
        .replace("{{ content }}", content)
        .replace("{{ widget }}", widget)
    )
