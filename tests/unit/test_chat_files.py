"""Files in a live chat: what may be sent, who may send and read them, and how they are served
(``bot.attachments``, ``bot.desk.files``, the widget's and the agent API's file routes)."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from bot.attachments import (
    MAX_BYTES,
    MAX_PER_CONVERSATION,
    AttachmentError,
    FileTooLargeError,
    FileTypeError,
    attachment_of,
    checked,
    content_type,
    safe_name,
)
from bot.conversations.transcript import transcript
from bot.desk.transcript import console_transcript
from bot.rasa_server.channels.identity import clean_metadata
from bot.storage.attachments import SqlAttachments
from bot.storage.privacy import SqlPrivacy
from tests.conftest import OPEN_TIME
from tests.desk_parts import desk_parts, session, waiting_customer
from tests.fakes import FakeRasaApi

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 8
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
CUSTOMER = "a" * 32  # a website conversation's session id
OTHER = "b" * 32


@pytest.fixture
def parts(settings, tmp_path):
    return desk_parts(settings, tmp_path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "image/gif"),
        (WEBP, "image/webp"),
        (PDF, "application/pdf"),
        (b"<svg onload=alert(1)>", None),  # SVG runs script: never accepted
        (b"<html><script>alert(1)</script>", None),
        (b"MZ\x90\x00", None),  # a Windows program
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but sound
        (b"PK\x03\x04", None),  # a zip (or an Office document)
    ],
)
def test_a_files_type_is_read_from_its_bytes(data, expected):
    assert content_type(data) == expected


def test_a_file_is_refused_by_its_bytes_not_its_name():
    with pytest.raises(FileTypeError, match=r"images .* and PDF"):
        checked("holiday.png", b"<script>alert(1)</script>")
    with pytest.raises(FileTooLargeError, match="too large"):
        checked("big.png", PNG + b"\x00" * MAX_BYTES)
    with pytest.raises(AttachmentError, match="empty"):
        checked("nothing.png", b"")
    accepted = checked("invoice.png", PDF)  # named .png, but a PDF: served as one
    assert (accepted.type, accepted.name, accepted.size) == (
        "application/pdf",
        "invoice.pdf",
        len(PDF),
    )


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("C:\\Users\\me\\Desktop\\zip broken.JPG", "image/jpeg", "zip broken.jpg"),
        ("../../etc/passwd", "image/png", "passwd.png"),
        ('a"b<c>\x00d.png', "image/png", "abcd.png"),
        ("", "application/pdf", "file.pdf"),
        ("...", "image/gif", "file.gif"),
        ("x" * 500 + ".pdf", "application/pdf", "x" * 116 + ".pdf"),
        ("Rechnung März.pdf", "application/pdf", "Rechnung März.pdf"),
    ],
)
def test_a_files_name_is_made_safe_with_its_real_extension(given, kind, expected):
    assert safe_name(given, kind) == expected


def test_a_client_cannot_claim_a_file_in_its_metadata():
    metadata = {"file": "c" * 32, "file_name": "x.png", "file_type": "image/png", "page": "/"}
    assert clean_metadata(metadata) == {"page": "/"}


def test_the_store_serves_a_file_only_with_its_own_conversation(desk_url):
    store = SqlAttachments(desk_url)
    attachment = checked("photo.png", PNG)
    store.add(CUSTOMER, attachment, PNG, sender="customer", now=OPEN_TIME)
    assert store.get(CUSTOMER, attachment.id) == (attachment, PNG)
    assert store.describe(CUSTOMER, attachment.id) == attachment
    assert store.get(OTHER, attachment.id) is None
    assert store.describe(OTHER, attachment.id) is None


def test_a_conversation_holds_a_limited_number_of_files(desk_url):
    store = SqlAttachments(desk_url)
    for _ in range(MAX_PER_CONVERSATION):
        store.add(CUSTOMER, checked("p.png", PNG), PNG, sender="customer", now=OPEN_TIME)
    with pytest.raises(AttachmentError, match="describe the rest in words"):
        store.add(CUSTOMER, checked("p.png", PNG), PNG, sender="customer", now=OPEN_TIME)
    store.add(OTHER, checked("p.png", PNG), PNG, sender="customer", now=OPEN_TIME)  # its own


def test_erasing_a_conversation_erases_its_files_and_export_includes_them(settings, desk_url):
    store = SqlAttachments(desk_url)
    attachment = checked("photo.png", PNG)
    store.add(CUSTOMER, attachment, PNG, sender="customer", now=OPEN_TIME)
    privacy = SqlPrivacy(desk_url, settings.tracker_url)
    exported = privacy.export(CUSTOMER)["attachments"]
    assert [(f["id"], f["name"], base64.b64decode(f["data"]["base64"])) for f in exported] == [
        (attachment.id, "photo.png", PNG)
    ]
    assert privacy.forget(CUSTOMER)["attachments"] == 1
    assert store.get(CUSTOMER, attachment.id) is None


def _form(data: bytes, name: str, text: str | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    if text is not None:
        form.add_field("text", text)
    return form


def test_a_customer_sends_a_file_only_while_an_agent_has_the_chat(settings, parts):
    handoff = waiting_customer(parts, CUSTOMER)

    async def script(client, login):
        url = f"/widget/attachments/{CUSTOMER}"
        waiting = await client.post(url, data=_form(PNG, "zip.png"))
        await client.post(f"/api/handoffs/{handoff}/claim", headers=await login("anna"))
        sent = await client.post(url, data=_form(PNG, "zip.png"))
        refused = await client.post(url, data=_form(b"<svg onload=alert(1)>", "x.png"))
        no_form = await client.post(url, data=PNG)
        unknown = await client.post("/widget/attachments/not-a-session", data=_form(PNG, "z.png"))
        file = (await sent.json())["file"]
        mine = await client.get(f"/widget/files/{file['id']}")
        made_up = await client.get(f"/widget/files/{'0' * 32}")
        odd = await client.get("/widget/files/..%2F..%2Fetc")
        return (
            (waiting.status, await waiting.json()),
            (sent.status, sent.headers["Access-Control-Allow-Origin"], file),
            refused.status,
            no_form.status,
            unknown.status,
            (mine.status, await mine.read(), dict(mine.headers)),
            (made_up.status, odd.status),
        )

    waiting, sent, refused, no_form, unknown, mine, others = session(settings, parts, script)
    assert waiting == (
        409,
        {"error": "files can be sent while you chat with a person from our team"},
    )
    assert sent[:2] == (201, "*")  # the widget sits on the company's own site
    assert {k: sent[2][k] for k in ("name", "type", "size")} == {
        "name": "zip.png",
        "type": "image/png",
        "size": len(PNG),
    }
    assert (refused, no_form, unknown) == (415, 400, 404)
    status, body, headers = mine
    assert (status, body) == (200, PNG)
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"].startswith("private")  # never in a shared cache
    assert headers["Content-Disposition"].startswith("inline")
    assert others == (404, 404)


def test_an_agent_sends_a_file_the_customer_gets_it_with_the_message(settings, parts):
    handoff = waiting_customer(parts, CUSTOMER)

    async def script(client, login):
        anna, ben = await login("anna"), await login("ben")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        url = f"/api/handoffs/{handoff}/attachments"
        not_theirs = await client.post(url, data=_form(PDF, "label.pdf"), headers=ben)
        sent = await client.post(
            url, data=_form(PDF, "label.pdf", "Your return label"), headers=anna
        )
        bare = await client.post(url, data=_form(PNG, "how-to.png"), headers=anna)
        big = await client.post(url, data=_form(PNG + b"\x00" * MAX_BYTES, "big.png"), headers=anna)
        file = (await sent.json())["file"]
        read = await client.get(f"{url}/{file['id']}", headers=ben)  # the team reads it
        client.session.cookie_jar.clear()  # signed out
        anonymous = await client.get(f"{url}/{file['id']}")
        customer = await client.get(f"/widget/files/{file['id']}")
        return (
            not_theirs.status,
            (sent.status, await sent.json()),
            bare.status,
            big.status,
            (read.status, await read.read(), dict(read.headers)),
            anonymous.status,
            (customer.status, await customer.read()),
        )

    not_theirs, sent, bare, big, read, anonymous, customer = session(settings, parts, script)
    assert not_theirs == 403
    status, body = sent
    assert (status, body["sent"], body["delivered"]) == (201, True, True)
    assert (bare, big) == (201, 413)
    status, data, headers = read
    assert (status, data, headers["Content-Type"]) == (200, PDF, "application/pdf")
    assert headers["Content-Disposition"].startswith("attachment;")  # a PDF is downloaded
    assert anonymous == 401
    assert customer == (200, PDF)
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    messages = [
        e for _, events in rasa.appended for e in events if e.get("metadata", {}).get("file")
    ]
    assert [(m["text"], m["metadata"]["file_name"]) for m in messages] == [
        ("Your return label", "label.pdf"),
        ("📎 how-to.png", "how-to.png"),  # the name, for clients that cannot show files
    ]
    assert attachment_of(messages[0]["metadata"]).id == body["file"]["id"]


def test_transcripts_show_the_files_sent_with_messages():
    file = {"file": "d" * 32, "file_name": "zip.png", "file_type": "image/png", "file_size": 72}
    events = [
        {"event": "user", "text": "📎 zip.png", "metadata": file, "timestamp": 1.0},
        {"event": "bot", "text": "Thanks", "metadata": {"agent": "anna"}, "timestamp": 2.0},
        {"event": "user", "text": "forged", "metadata": {"file": "nope"}, "timestamp": 3.0},
    ]
    described = {"id": "d" * 32, "name": "zip.png", "type": "image/png", "size": 72}
    assert [item.to_json().get("file") for item in transcript(events)] == [
        described,
        None,
        None,
    ]
    assert [item.get("file") for item in console_transcript(events)] == [described, None, None]


def test_a_customer_file_is_kept_for_its_agent_only_while_assigned(settings, parts):
    handoff = waiting_customer(parts, CUSTOMER)

    async def script(client, login):
        anna = await login("anna")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        sent = await client.post(f"/widget/attachments/{CUSTOMER}", data=_form(JPEG, "a.jpg"))
        file = (await sent.json())["file"]
        read = await client.get(f"/api/handoffs/{handoff}/attachments/{file['id']}", headers=anna)
        await client.post(f"/api/handoffs/{handoff}/close", json={"note": "done"}, headers=anna)
        after = await client.post(f"/widget/attachments/{CUSTOMER}", data=_form(JPEG, "b.jpg"))
        return read.status, after.status

    assert session(settings, parts, script) == (200, 409)


def test_an_upload_is_refused_before_it_is_read_when_it_cannot_be_taken(settings, parts):
    handoff = waiting_customer(parts, CUSTOMER)

    async def chunked():
        yield PNG  # no Content-Length: it could be any size

    async def script(client, login):
        await client.post(f"/api/handoffs/{handoff}/claim", headers=await login("anna"))
        url = f"/widget/attachments/{CUSTOMER}"
        multipart = {"Content-Type": "multipart/form-data; boundary=b"}
        body = b"--b\r\n" + b"x" * (MAX_BYTES * 2)  # its length alone refuses it
        too_long = await client.post(url, data=body, headers=multipart)
        no_length = await client.post(url, data=chunked(), headers=multipart)
        form = _form(PNG, "zip.png")
        form.add_field("file", PNG, filename="second.png")
        two_files = await client.post(url, data=form)
        other = _form(PNG, "zip.png")
        other.add_field("note", "hi")
        unknown_field = await client.post(url, data=other)
        broken = await client.post(
            url, data=b"--b\r\nContent-Disposition: form-data; name=file\r\n", headers=multipart
        )
        return [
            (r.status, (await r.json())["error"][:30])
            for r in (too_long, no_length, two_files, unknown_field, broken)
        ]

    too_long, no_length, two_files, unknown_field, broken = session(settings, parts, script)
    assert too_long == (413, "the file is too large: you can")
    assert no_length == (400, "send the upload with its Conte")
    assert two_files[0] == unknown_field[0] == broken[0] == 400
