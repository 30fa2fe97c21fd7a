"""Files in a live chat, in real browsers: the customer sends their agent a photo from the
widget, the agent sends back a PDF from the console; each sees the other's file, a reload keeps
them, and what may not be sent is refused with the reason."""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.desk import add_agent
from tests.e2e.test_handoff_browser import open_console, sign_in
from tests.e2e.test_widget_browser import ask, open_widget

pytestmark = pytest.mark.rasa


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_photo_and_a_pdf_go_both_ways(running_bot, browser, page, hours):
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    context, console, console_errors = open_console(browser, 1366, 850)
    try:
        sign_in(console, running_bot, "anna")
        waiting = console.get_by_test_id("waiting").get_by_test_id("handoff")
        console.wait_for_timeout(1000)  # the lists have loaded
        before = waiting.evaluate_all("items => items.map(item => item.dataset.id)")
        open_widget(page, running_bot.web_url + "/")
        assert page.get_by_test_id("sb-attach").is_hidden()  # nobody to send a file to yet
        ask(page, "let me talk to a human")
        page.get_by_text("in the queue").first.wait_for(timeout=30000)
        # Earlier tests may have left customers waiting: this one is the new item.
        new = console.wait_for_function(
            """before => [...document.querySelectorAll('#waiting [data-testid=handoff]')]
                .map(item => item.dataset.id).find(id => !before.includes(id))""",
            arg=before,
            timeout=15000,
        ).json_value()
        console.locator(f'#waiting [data-id="{new}"]').click()
        console.get_by_test_id("claim").click()
        page.get_by_text("anna from our team has joined the chat.").wait_for(timeout=15000)

        # The customer sends a photo of the zip.
        attach = page.get_by_test_id("sb-attach")
        attach.wait_for(state="visible", timeout=10000)
        assert "anna" in (attach.get_attribute("aria-label") or "")
        photo = png(48, 32, (200, 40, 40))
        picker = page.get_by_test_id("sb-file-input")
        picker.set_input_files({"name": "broken zip.png", "mimeType": "image/png", "buffer": photo})
        sent = page.locator(".sb-from-customer:not(.sb-pending) img.sb-image")
        sent.wait_for(timeout=15000)
        assert sent.get_attribute("alt") == "broken zip.png"
        page.wait_for_function(
            "() => [...document.querySelectorAll('.sb-from-customer img')].some("
            "i => i.complete && i.naturalWidth === 48)"
        )

        # anna sees it in the conversation, read through the agent API.
        shown = console.get_by_test_id("entry-customer").locator("img")
        shown.wait_for(timeout=15000)
        console.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=entry-customer] img')].some("
            "i => i.complete && i.naturalWidth === 48)",
            timeout=10000,
        )

        # anna sends a return label as PDF; the customer gets it as a download.
        console.get_by_test_id("attach-file").set_input_files(
            {"name": "return label.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        label = page.get_by_test_id("sb-msg-agent").get_by_test_id("sb-file")
        label.wait_for(timeout=15000)
        assert "return label.pdf" in label.inner_text()
        assert label.get_attribute("download") == "return label.pdf"
        reply = page.request.get(label.get_attribute("href"))
        assert reply.status == 200
        assert reply.headers["content-type"] == "application/pdf"
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.body() == PDF
        console.get_by_test_id("entry-agent").get_by_test_id("file").filter(
            has_text="return label.pdf"
        ).wait_for(timeout=15000)
        screenshot(page, "attachments-widget")
        screenshot(console, "attachments-console")

        # What cannot be sent says why, and nothing is sent.
        customer_messages = page.get_by_test_id("sb-msg-customer").count()
        picker.set_input_files(
            {"name": "cat.png", "mimeType": "image/png", "buffer": b"<svg onload=alert(1)>"}
        )
        page.get_by_test_id("sb-notice").filter(
            has_text="This kind of file cannot be sent: you can send images"
        ).wait_for(timeout=10000)  # the widget's own words (in the customer's language)
        assert page.get_by_test_id("sb-msg-customer").count() == customer_messages

        # A reload shows both files again, from the conversation's history.
        page.reload()
        page.locator(".sb-from-customer img.sb-image").first.wait_for(timeout=15000)
        page.get_by_test_id("sb-msg-agent").get_by_test_id("sb-file").filter(
            has_text="return label.pdf"
        ).wait_for(timeout=15000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.sb-from-customer img')].some("
            "i => i.complete && i.naturalWidth === 48)"
        )
        assert console_errors == []
    finally:
        context.close()
