"""The text guard replays the body once, then waits for the real client (no false disconnect)."""

from __future__ import annotations

import asyncio
from typing import Any

from jinshu.api.middleware import TextGuard


def test_after_the_body_receive_waits_for_the_client() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        first = await receive()
        seen.append(first["type"])
        try:
            await asyncio.wait_for(receive(), timeout=0.05)
            seen.append("answered at once")
        except TimeoutError:
            seen.append("waited")

    async def client_receive() -> dict[str, Any]:
        if not hasattr(client_receive, "done"):
            client_receive.done = True  # type: ignore[attr-defined]
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        return None

    scope = {
        "type": "http",
        "path": "/static/app.css",
        "raw_path": b"/static/app.css",
        "query_string": b"",
        "headers": [],
    }
    asyncio.run(TextGuard(app)(scope, client_receive, send))
    assert seen == ["http.request", "waited"]
