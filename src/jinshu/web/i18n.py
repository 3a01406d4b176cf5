"""The web UI's languages: Chinese by default, English from a Babel message catalog.

Templates and the web layer write their text in Chinese and pass it through ``gettext``
(``_()`` in templates and Python). The Chinese text is the message id, so Chinese needs no
catalog; English comes from ``locale/en/LC_MESSAGES/messages.po``, compiled in memory the first
time it is needed (no build step). Policy clause text, item titles and the engine's explanations
stay Chinese: they are the legal text and its reading.

The language of a request is the ``jinshu_lang`` cookie (set by the switch in the header), else
the first of Chinese or English that the browser's Accept-Language asks for, else Chinese.
:class:`LocaleMiddleware` puts it in a context variable, so ``gettext`` needs no request.

>>> pick_locale(None, "en-US,en;q=0.9")
'en'
>>> pick_locale(None, "fr-FR, zh-CN;q=0.8, en;q=0.5")
'zh'
>>> pick_locale("zh", "en")
'zh'
>>> with use_locale("en"):
...     gettext("政策库")
'Policy library'
"""

from __future__ import annotations

import contextlib
import gettext as stdlib_gettext
import io
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import HTTPConnection

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LOCALES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "jinshu_lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_current: ContextVar[str] = ContextVar("jinshu_locale", default=DEFAULT)


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> stdlib_gettext.NullTranslations:
    """The translations of ``locale``: none for Chinese (the message ids), the .po for others."""
    if locale == DEFAULT:
        return stdlib_gettext.NullTranslations()
    with catalog_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return stdlib_gettext.GNUTranslations(compiled)


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Translate into ``locale`` inside the block (tests, and the middleware)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


class Bilingual(Protocol):
    """A problem worded in both languages (error entries, import report rows)."""

    @property
    def message_zh(self) -> str: ...

    @property
    def message_en(self) -> str: ...


def message(entry: Bilingual) -> str:
    """An error entry's message in the current language (errors carry both)."""
    return entry.message_en if _current.get() == "en" else entry.message_zh


def pick_locale(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language, else the browser's first choice among ours, else Chinese."""
    if cookie in LOCALES:
        return str(cookie)
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LOCALES and quality > 0:
            wanted.append((-quality, position, primary))
    return min(wanted)[2] if wanted else DEFAULT


class LocaleMiddleware:
    """ASGI middleware: the request's language, for ``gettext`` everywhere in the web layer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        locale = pick_locale(
            connection.cookies.get(COOKIE), connection.headers.get("accept-language")
        )
        with use_locale(locale):
            await self.app(scope, receive, send)
