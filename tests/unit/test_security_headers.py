"""Every response of the web service carries its security headers; the console's are strict,
and its session cookie is Secure when the browser came over https (through the balancer)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.desk_parts import PASSWORD, desk_parts, session


@pytest.fixture
def parts(settings, tmp_path):
    return desk_parts(settings, tmp_path)


def fetch(settings, parts, requests):
    """The responses to ``requests`` (method, path, extra keyword arguments), in order."""

    async def script(client, login):
        replies = []
        for method, path, options in requests:
            reply = await client.request(method, path, **options)
            await reply.read()
            replies.append(reply)
        return replies

    return session(settings, parts, script)


def test_the_console_and_the_api_get_a_strict_policy_errors_too(settings, parts):
    replies = fetch(
        settings,
        parts,
        [("GET", "/console", {}), ("GET", "/api/queue", {}), ("GET", "/console/nothing.js", {})],
    )
    assert [r.status for r in replies] == [200, 401, 404]
    for reply in replies:
        policy = reply.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
        assert reply.headers["X-Frame-Options"] == "DENY"


def test_the_shop_pages_and_widget_files_can_be_embedded_but_are_not_sniffed(settings, parts):
    for reply in fetch(settings, parts, [("GET", "/", {}), ("GET", "/widget/widget.js", {})]):
        assert reply.status == 200
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Content-Security-Policy" not in reply.headers


def test_the_session_cookie_is_secure_when_the_browser_came_over_https(settings, parts):
    login = {"json": {"username": "anna", "password": PASSWORD}}
    https = {**login, "headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.8"}}
    behind = dataclasses.replace(settings, forwarded_by="127.0.0.1")
    plain, secure = fetch(
        behind, parts, [("POST", "/api/login", login), ("POST", "/api/login", https)]
    )
    assert plain.status == secure.status == 200
    assert "Secure" not in plain.headers["Set-Cookie"]
    assert "Secure" in secure.headers["Set-Cookie"]
    # Only the balancer is believed: straight from a client, the header changes nothing.
    (direct,) = fetch(settings, parts, [("POST", "/api/login", https)])
    assert "Secure" not in direct.headers["Set-Cookie"]
