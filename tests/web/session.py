"""Signing in through the login form as a browser does: the CSRF token comes from the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "every form carries a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> str:
    """Sign in (dropping any earlier session) and return the desk page it lands on."""
    client.cookies.clear()
    page = client.get("/login")
    desk = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": csrf(page.text)},
        follow_redirects=True,
    )
    assert desk.status_code == 200 and desk.url.path == "/work", (username, desk.url)
    return desk.text
