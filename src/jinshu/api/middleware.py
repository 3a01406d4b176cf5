"""Refuse text that no database can store: NUL, lone UTF-16 surrogates and invalid UTF-8.

JSON may spell a lone surrogate (``"\\ud800"``); Python accepts it, but it cannot be encoded as
UTF-8, so PostgreSQL, SQLite and the JSON responses would all fail on it later. It is refused at
the door with a clear 422, before any route runs (so nothing is half-written).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _has_surrogate(value: Any) -> bool:
    """Lone surrogates, or NUL (which PostgreSQL text cannot hold)."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _valid_utf8(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class TextGuard:
    """ASGI middleware: 422 for requests whose path, query or JSON body holds unstorable text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
        bad = not _valid_utf8(unquote_to_bytes(raw_path)) or not _valid_utf8(
            unquote_to_bytes(scope.get("query_string", b""))
        )
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = dict(scope.get("headers") or [])
        reason = "请求中含有无法保存的字符（NUL、无效的 UTF-8 或孤立代理项）" if bad else ""
        if not bad and b"json" in headers.get(b"content-type", b""):
            try:
                bad = _has_surrogate(json.loads(body)) if body else False
                reason = "请求中含有无法保存的字符（NUL 或孤立代理项）" if bad else ""
            except RecursionError:
                bad, reason = True, "JSON 嵌套过深"
            except (UnicodeDecodeError, ValueError):
                bad = False  # malformed JSON is the route's to refuse, with its own message
        if bad:
            payload = json.dumps(
                {
                    "error": {
                        "code": "invalid_text",
                        "message": reason,
                        "errors": [],
                    }
                },
                ensure_ascii=False,
            ).encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 422,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                # Later reads wait for the real client (streaming responses listen for a
                # disconnect; answering one at once would cut them short).
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
