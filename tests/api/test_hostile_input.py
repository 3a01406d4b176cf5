"""Hostile input against every operation of the app's own OpenAPI schema (SQLite and PostgreSQL).

For each operation that GET /openapi.json lists, schemathesis draws requests that fit the schema
and requests that break it (wrong types, missing and extra fields, nulls). A third of the
examples are sent as drawn, with hostile ids, query values and content types now and then; the
other two thirds are made nearly valid from what the seeded database holds (ids that exist,
fields with values that work) and then get one hostile change: an id far out of range, an
SQL-ish, path-traversal, NUL, lone-surrogate, huge or odd Unicode string, a negative or enormous
number, a null, a dropped or an extra field, a broken upload, a wrong content type, broken or
deeply nested JSON. Every request goes out twice, without a valid token (none, or a garbage one)
and with the token of a role the operation concerns, and every answer must be:

1. never 5xx;
2. on 4xx, the API's JSON error (``{"error": {"code", "message", "errors"}}``), and never any
   traceback text;
3. on 4xx (and on any GET), not one row added or removed in any table: a refused request,
   payment or workflow action writes nothing.

The examples are derandomised and bounded per operation (``EXAMPLES_PER_OPERATION``), each
operation a subtest of its own. Schemathesis blanks the arguments in Hypothesis's "Failing test
case" report (it swaps Hypothesis's printer for speed), so every assertion message carries the
request and the answer itself. The explicit tests after the property test pin each bug it found
with its smallest input.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import openpyxl
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet
from sqlalchemy import Engine, inspect, select, text

from jinshu.api.deps import reset_rate_limits
from jinshu.matching.match import run_matching
from jinshu.store.db import transaction
from jinshu.store.models import Match
from jinshu.workflow.states import TRANSITIONS
from tests.api.conftest import PASSWORD, login
from tests.workflow.helpers import FUND

EXAMPLES_PER_OPERATION = 25
# Operations that run over the whole registry by design (about 0.3 s a valid request) get fewer.
EXAMPLES_BY_TAG = {"analysis": 8}
API = "/api/v1"
TRACEBACK_MARKERS = ("Traceback", 'File "/')
ERROR_ENTRY_KEYS = {"field", "message_zh", "message_en", "value"}

# The seeded users (tests/api/conftest.py) of the roles each tag of operations concerns; an
# operation under a tag not named here is sent with the tokens of every role.
EVERY_ROLE = ("ent", "city", "dept", "fin", "boss")
ROLES_BY_TAG = {
    "health": ("ent",),
    "calculator": ("ent",),
    "auth": ("ent", "fin"),
    "applications": ("ent", "city", "dept", "boss"),
    "notices": ("dept", "boss", "ent"),
    "payments": ("fin", "boss", "ent"),
    "registry": ("boss", "ent"),
    "matches": ("ent", "city", "dept", "boss"),
    "analysis": ("boss", "ent"),
}
# A valid request may be slow by design (a reform over a synthetic registry of up to 200 000
# enterprises): sizes inside the allowed range are lowered to this, sizes outside it still go out.
COST_CAPS = {"synthetic_size": 2}

# Text that most string fields accept, yet dangerous further in: NUL (PostgreSQL text cannot hold
# it), a lone surrogate (UTF-8 cannot encode it), SQL, paths, markup, bidi controls and emoji.
SLY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "' OR '1'='1",
    "'; DROP TABLE applications; --",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "<script>alert(1)</script>",
    "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\U0001d573\U0001d58a \U0001f469\u200d\U0001f469\u200d\U0001f467",
    "NaN",
    "1e309",
    "-0.001",
]
HUGE_TEXT = ["A" * 100_000, "中" * 30_000, "\x00" * 1000, "e" + "\u0301" * 5000]
SLY_NUMBERS = [
    0,
    -1,
    -(2**31),
    2**31,
    2**63,
    -(2**63) - 1,
    10**40,
    1.5,
    -0.0,
    1e308,
    float("inf"),
    float("nan"),
]
HOSTILE_OTHERS: list[Any] = [None, True, False, [], {}, [None], {"": None}, [[[[[]]]]]]
OUT_OF_RANGE_SEGMENTS = [
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 40,
]
HOSTILE_SEGMENTS = [
    *OUT_OF_RANGE_SEGMENTS,
    "0",
    "1.0",
    "1e3",
    "0x10",
    "%201",
    "%EF%BC%91",  # a full-width digit one
    "true",
    "%00",
    "1%00",
    "%27%20OR%20%271%27%3D%271",
    "1%3BDROP%20TABLE%20applications",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "..",
    "%E4%B8%AD",
    "%F0%9F%92%A9",
    "%ff%fe",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "A" * 5000,
]
HOSTILE_AUTHORIZATION = [
    "Bearer ",
    "Bearer x",
    "bearer ' OR '1'='1",
    "Bearer ../../etc/passwd",
    "Basic Zm9vOmJhcg==",
    "Token abc",
    "Bearer " + "A" * 10_000,
    "Bearer%00",
]
HOSTILE_FILENAMES = [
    "../../etc/passwd.csv",
    "..\\boot.ini",
    "合同.PDF",
    "x" * 500 + ".xlsx",
    "",
    "a'b\".csv",
    "e.exe",
]
HOSTILE_CONTENT_TYPES = ["text/html", "application/x-sh", "image/png; charset=../../x", "x" * 300]
BODY_ENCODINGS = [
    "text/plain",
    "form",
    "multipart",
    "xml",
    "broken-json",
    "raw-utf8",
    "empty",
    "deep",
    "no-content-type",
]


def _workbook() -> bytes:
    """A readable XLSX whose cells are hostile: huge numbers, formulas, dates, odd text."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "enterprises"
    sheet.append(["id", "name", "city", "county", "kinds", "founded"])
    sheet.append(["E9", "x" * 300, "大同市", "平城区", "big_data", dt.datetime(2016, 5, 1, 13, 5)])
    sheet.append([10**30, "=1+1", 3.5, None, "spaceship", "2016-13-45"])
    sheet.append(["' OR '1'='1", "../../etc/passwd", -1, "中" * 2000, True, -(10**20)])
    records = book.create_sheet("records")
    records.append(["enterprise_id", "record_id", "kind", "contract_amount", "id"])
    records.append(["E1", "c9", "contract", "1e400", "c9"])
    records.append(["E404", None, "contract", float("nan"), ""])
    book.create_sheet("Sheet9").append(["id", "id"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Files to upload: (name, content, content type), each name fitting its content.
UPLOADS = [
    ("合同.pdf", b"%PDF-1.4 contract", "application/pdf"),
    (
        "enterprises.csv",
        "id,name,city,county,kinds,registered_in_shanxi\n"
        "E9,大同云谷数据有限公司,大同市,平城区,big_data,true\n".encode(),
        "text/csv",
    ),
    (
        "enterprises.csv",
        "id,name,city,county,kinds\nE9,云谷,北京市,平城区,spaceship\n,,,,\n".encode(),
        "text/csv",
    ),
    ("huge.csv", b"id,name\n" + b"A" * 200_000 + b",x\n", "text/csv"),
    ("nul.csv", b"id,name\nE\x009,x\n", "text/csv"),
    ("quote.csv", b'id,name\n"E9,x\n', "text/csv"),
    ("twice.csv", b"id,id\n1,2\n", "text/csv"),
    ("formula.csv", b"=cmd|' /C calc'!A0,x\n", "text/csv"),
    ("latin.csv", b"\xff\xfe\xfa\x00", "text/csv"),
    ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100, "application/octet-stream"),
    ("empty.csv", b"", "text/csv"),
    ("book.xlsx", _workbook(), "application/vnd.ms-excel"),
]
# Values that fields and parameters of these names take in the seeded world, so that nearly
# valid requests reach the code behind validation.
KNOWN_FIELDS: dict[str, list[Any]] = {
    "enterprise_id": ["E1", "E1", "E2"],
    "item": ["p15_bid", "p09_bigdata_hq", "p09_bigdata_hq", "p01_power_trading"],
    "record_id": ["c1", "c2", None],
    "year": [2020, 2021],
    "username": ["ent", "boss", "nobody"],
    "password": [PASSWORD],
    "today": ["2021-03-01", "2030-01-01"],
    "budget_year": [2021, None],
    "idempotency_key": ["pay-1", "k"],
    "fund": [FUND],
    "level": ["province", "city"],
    "region": ["", "太原市"],
    "amount": ["1000.00", "0"],
    "decided_amount": ["120000.00", None],
    "note": ["理由", ""],
    "reason": ["更正", ""],
    "upheld": [True, False],
    "text": ["异议"],
    "contact": ["", "13800000000"],
    "state": ["draft", "in_notice"],
    "limit": [1, 100],
    "offset": [0, 1],
    "table": ["enterprises", "years", "records", "企业"],
    "dry_run": [True, False],
    "name": ["改革"],
    "description": [""],
    "parameters": [{}],
    "registry": ["database", "synthetic"],
    "synthetic_size": [1, 2],
}


@dataclass
class World:
    """The seeded database as requests see it: tokens and the ids that exist."""

    tokens: dict[str, dict[str, str]]
    ids: dict[str, list[Any]]
    example_case: dict[str, Any]


@dataclass
class Outgoing:
    """One request, as it goes over the wire (the path already percent-encoded)."""

    method: str
    path: str
    query: dict[str, Any]
    content_type: str | None = None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None

    def __repr__(self) -> str:
        return self.describe({})

    def describe(self, headers: dict[str, str]) -> str:
        shown = {k: (v[:60] + "…" if len(v) > 60 else v) for k, v in headers.items()}
        body: Any = self.content
        if body is None and (self.files or self.data):
            body = {"files": self.files, "data": self.data}
        return (
            f"{self.method} {_short(self.path, 300, quoted=False)} query={_short(self.query)} "
            f"headers={shown} content-type={self.content_type!r} body={_short(body)}"
        )


def _short(value: Any, limit: int = 400, *, quoted: bool = True) -> str:
    shown = repr(value) if quoted else str(value)
    return shown if len(shown) <= limit else f"{shown[:limit]}… ({len(shown)} chars)"


# ---------------------------------------------------------------------------------------------
# Strategies


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(SLY_TEXT),
        st.sampled_from(HUGE_TEXT),
        st.sampled_from(SLY_NUMBERS),
        st.sampled_from(HOSTILE_OTHERS),
        st.text(max_size=40),
        st.integers(),
        st.floats(),
    )


def hostile_like(current: Any) -> st.SearchStrategy[Any]:
    """A hostile value of the same JSON type, so that it passes the schema and goes further."""
    if isinstance(current, str):
        return st.one_of(
            st.sampled_from(SLY_TEXT), st.sampled_from(SLY_TEXT), st.sampled_from(HUGE_TEXT)
        )
    if isinstance(current, int | float) and not isinstance(current, bool):
        return st.sampled_from(SLY_NUMBERS)
    return hostile_values()


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, the root included."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _places(child, (*path, index))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn, value: Any, *, keep: bool) -> Any:
    """The value with one place made hostile, removed or added to (or, if ``keep``, maybe as is).

    Most changes keep a leaf's JSON type (a string stays a string, a number a number) so that the
    value passes validation and reaches the code and the database behind it.
    """
    value = copy.deepcopy(value)
    kinds = ["like", "like", "like", "like", "any", "drop", "add"]
    how = draw(st.sampled_from(["keep", *kinds] if keep else kinds))
    if how == "keep":
        return value
    places = _places(value)
    leaves = [p for p in places if p and not isinstance(_at(value, p), dict | list)]
    if how == "like" and leaves:
        place = draw(st.sampled_from(leaves))
        _at(value, place[:-1])[place[-1]] = draw(hostile_like(_at(value, place)))
        return value
    if how in ("like", "any"):
        place = draw(st.sampled_from(places))
        if not place:
            return draw(hostile_values())
        _at(value, place[:-1])[place[-1]] = draw(hostile_values())
        return value
    containers = [p for p in places if isinstance(_at(value, p), dict | list)]
    if not containers:
        return draw(hostile_values())
    where = _at(value, draw(st.sampled_from(containers)))
    if how == "drop" and where:
        if isinstance(where, dict):
            del where[draw(st.sampled_from(sorted(where, key=str)))]
        else:
            del where[draw(st.integers(0, len(where) - 1))]
    elif isinstance(where, dict):
        key = draw(st.sampled_from(["extra", "__proto__", "' OR 1=1 --", "\x00", "", "中文"]))
        where[key] = draw(hostile_values())
    else:
        where.append(draw(hostile_values()))
    return value


@st.composite
def known_fields(draw: st.DrawFn, body: Any, world: World, schema: dict[str, Any]) -> Any:
    """Top-level fields set to values that exist in the seeded world (optional ones now and then)."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    for key in sorted({*body, *schema.get("properties", {})}, key=str):
        if key not in body and draw(st.booleans()):
            continue
        if key in KNOWN_FIELDS:
            body[key] = draw(st.sampled_from(KNOWN_FIELDS[key]))
        elif key == "case":  # the schema's example, or facts on which the item does not apply
            body[key] = copy.deepcopy(draw(st.sampled_from([world.example_case, {}])))
    return body


def _bounded(body: Any, schema: dict[str, Any]) -> Any:
    """The body with costly sizes that the schema allows lowered to ``COST_CAPS``."""
    properties = schema.get("properties", {})
    if not isinstance(body, dict):
        return body
    for key, cap in COST_CAPS.items():
        if key not in properties:
            continue
        top = properties[key].get("maximum", float("inf"))
        value = body.get(key, properties[key].get("default"))
        if isinstance(value, int) and not isinstance(value, bool) and cap < value <= top:
            body[key] = cap
    return body


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value, default=str).encode()


def _segment(value: Any) -> str:
    """A path parameter's value in the URL (schemathesis already percent-encodes its strings)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | list | dict):
        value = json.dumps(value)
    return quote(str(value), safe="")


def _query_value(value: Any) -> Any:
    """A query parameter's value as httpx sends it (a query string stays under its 64 KiB)."""
    if isinstance(value, list):
        return [_query_value(v) for v in value[:3] if not isinstance(v, list | dict)]
    if isinstance(value, dict):
        value = json.dumps(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")[:2000]
    return value


@st.composite
def outgoing(
    draw: st.DrawFn,
    cases: st.SearchStrategy[schemathesis.Case],
    operation: dict[str, Any],
    body_schema: dict[str, Any],
    world: World,
) -> Outgoing:
    """A request to the operation: as schemathesis drew it, or nearly valid with one change."""
    case = draw(cases)
    near = draw(st.sampled_from([True, True, False]))
    params = dict(case.path_parameters or {})
    query_names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    has_body = "requestBody" in operation
    parts = [  # the body, where most fields are, twice as often
        part
        for part, present in (
            ("path", params),
            ("query", True),
            ("body", has_body),
            ("body", has_body),
        )
        if present
    ]
    focus = draw(st.sampled_from(parts)) if near else None

    segments = {}
    for name, value in params.items():
        known = world.ids.get(name)
        if near and known:
            segments[name] = quote(str(draw(st.sampled_from(known))), safe="")
        elif not near and draw(st.integers(0, 2)) == 0:
            segments[name] = draw(st.sampled_from(HOSTILE_SEGMENTS))
        else:
            segments[name] = _segment(value)
    if focus == "path":
        name = draw(st.sampled_from(sorted(segments)))
        segments[name] = draw(
            st.one_of(st.sampled_from(OUT_OF_RANGE_SEGMENTS), st.sampled_from(HOSTILE_SEGMENTS))
        )
    path = case.path
    for name, segment in segments.items():
        path = path.replace("{" + name + "}", segment)

    query = dict(case.query or {})
    for name in query_names:
        if near and name in KNOWN_FIELDS:
            query[name] = draw(st.sampled_from(KNOWN_FIELDS[name]))
        elif not near:
            how = draw(st.sampled_from(["schema", "schema", "hostile", "drop"]))
            if how == "hostile":
                query[name] = draw(st.one_of(hostile_values(), st.lists(hostile_values())))
            elif how == "drop":
                query.pop(name, None)
    if focus == "query" or (not near and draw(st.integers(0, 5)) == 0):
        name = draw(st.sampled_from([*query_names, "extra", "' OR 1=1 --", "__proto__"]))
        query[name] = draw(
            st.one_of(
                st.sampled_from(SLY_TEXT),
                st.sampled_from(SLY_NUMBERS),
                st.lists(hostile_values(), max_size=3),
            )
        )
    query = {str(k): _query_value(v) for k, v in query.items() if v is not None}

    out = Outgoing(case.method.upper(), path, query)
    if not has_body:
        return out
    body = case.body
    declared = case.media_type or "application/json"
    if near and isinstance(body, NotSet):
        body = {}
    if near:
        body = draw(known_fields(body, world, body_schema))
        if declared.startswith("multipart/") and isinstance(body, dict):
            body.setdefault("file", "")
    if not isinstance(body, NotSet) and not isinstance(body, bytes):
        body = draw(mutated(body, keep=focus != "body"))
    body = _bounded(body, body_schema)
    encoding = "declared"
    if (not near and draw(st.integers(0, 2)) == 0) or (focus == "body" and draw(st.booleans())):
        encoding = draw(st.sampled_from(BODY_ENCODINGS))
    if isinstance(body, NotSet):
        if encoding == "declared":
            return out
        body = None
    as_json = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
    if encoding == "declared" and declared.startswith("multipart/"):
        if not isinstance(body, dict):
            out.content_type = "multipart/form-data; boundary=hostile"
            out.content = as_json
            return out
        fields = {str(k): v for k, v in body.items()}
        upload = fields.pop("file", None)
        out.data = {k: _as_bytes(v).decode("utf-8", "replace") for k, v in fields.items()}
        if upload is not None:
            name, content, media = draw(st.sampled_from(UPLOADS))
            if not near or focus == "body":
                name = draw(st.sampled_from([name, *HOSTILE_FILENAMES]))
                media = draw(st.sampled_from([media, *HOSTILE_CONTENT_TYPES]))
                content = draw(st.sampled_from([content, _as_bytes(upload)]))
            out.files = {"file": (name, content, media)}
    elif encoding == "declared":
        out.content_type, out.content = declared, as_json
    elif encoding == "text/plain":
        out.content_type, out.content = "text/plain", as_json
    elif encoding == "form":
        out.content_type = "application/x-www-form-urlencoded"
        items = body.items() if isinstance(body, dict) else [("body", body)]
        out.content = urlencode([(str(k), _as_bytes(v)) for k, v in items]).encode()
    elif encoding == "multipart":
        out.files = {"file": ("body.json", as_json, "application/json")}
    elif encoding == "xml":
        out.content_type, out.content = "application/xml", b"<?xml version='1.0'?><case>1</case>"
    elif encoding == "broken-json":
        out.content_type, out.content = "application/json", as_json[: max(len(as_json) - 1, 1)]
    elif encoding == "raw-utf8" and not isinstance(body, bytes):
        raw = json.dumps(body, default=str, ensure_ascii=False)
        out.content_type, out.content = "application/json", raw.encode("utf-8", "surrogatepass")
    elif encoding == "empty":
        out.content_type, out.content = "application/json", b""
    elif encoding == "deep":
        out.content_type, out.content = "application/json", b"[" * 50_000 + b"]" * 50_000
    else:
        out.content = as_json
    return out


# ---------------------------------------------------------------------------------------------
# The database and the checks

_TABLES: dict[Engine, list[str]] = {}


def row_counts(client: TestClient) -> dict[str, int]:
    """Rows in every table of the app's database."""
    engine: Engine = client.app.state.sessions.kw["bind"]  # type: ignore[attr-defined]
    if engine not in _TABLES:
        _TABLES[engine] = sorted(inspect(engine).get_table_names())
    tables = _TABLES[engine]
    quote_name = engine.dialect.identifier_preparer.quote
    query = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote_name(t)})" for t in tables)
    with engine.connect() as conn:
        counts = conn.execute(text(query)).one()
    return dict(zip(tables, (int(c) for c in counts), strict=True))


def problems(
    status: int, body: str, method: str, before: dict[str, int], after: dict[str, int]
) -> list[str]:
    """What is wrong with an answer, by the three promises in this module's docstring."""
    found = []
    if status >= 500:
        found.append(f"server error {status}")
    found += [f"traceback text {m!r} in the answer" for m in TRACEBACK_MARKERS if m in body]
    if 400 <= status < 500:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        error = payload.get("error") if isinstance(payload, dict) else None
        if not (
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and error["code"]
            and isinstance(error.get("message"), str)
            and error["message"]
        ):
            found.append("a 4xx answer that is not the API's JSON error with a code and message")
        elif not isinstance(error.get("errors"), list) or any(
            not isinstance(e, dict) or not ERROR_ENTRY_KEYS.issubset(e) for e in error["errors"]
        ):
            found.append(
                "a 4xx answer whose errors are not [{field, message_zh, message_en, value}]"
            )
    if (status >= 400 or method == "GET") and before != after:
        changed = {t: f"{before[t]} -> {after[t]}" for t in before if before[t] != after[t]}
        found.append(f"rows changed by a refused request: {changed}")
    return found


def send(client: TestClient, request: Outgoing, headers: dict[str, str]) -> None:
    """Send one request and assert the three promises about its answer."""
    headers = dict(headers)
    if request.content_type:
        headers["Content-Type"] = request.content_type
    reset_rate_limits(client.app.state)  # the per-minute limits would turn later examples into 429
    before = row_counts(client)
    response = client.request(
        request.method,
        request.path,
        params=request.query,
        headers=headers,
        content=request.content,
        files=request.files,
        data=request.data,
    )
    after = row_counts(client)
    found = problems(response.status_code, response.text, request.method, before, after)
    assert not found, (
        f"{'; '.join(found)}\n  request: {request.describe(headers)}\n"
        f"  answer: {response.status_code} {response.text[:500]}"
    )


# ---------------------------------------------------------------------------------------------
# The property test


def seed_world(client: TestClient, raw: dict[str, Any]) -> World:
    """Matches; applications in several states; an attachment; awards, one with an objection."""
    tokens = {u: login(client, u) for u in EVERY_ROLE}
    state = client.app.state  # type: ignore[attr-defined]
    with transaction(state.sessions) as session:
        run_matching(session, state.policy, year=2020, actor="test")

    def call(who: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = client.post(f"{API}{path}", headers=tokens[who], json=body, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def application(record: str, *steps: tuple[str, str, dict[str, Any]]) -> int:
        create = {"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": record}
        app_id: int = call("ent", "/applications", create)["id"]
        for who, action, body in steps:
            call(who, f"/applications/{app_id}/actions/{action}", body)
        return app_id

    submit = ("ent", "submit", {})
    approve = ("city", "city_approve", {})
    recognize = ("dept", "recognize", {"today": "2021-03-01"})
    draft = application("c1")
    files = {"file": ("合同.pdf", b"%PDF-1.4 contract", "application/pdf")}
    attachment = call("ent", f"/applications/{draft}/attachments", files=files)["id"]
    submitted = application("c1", submit)
    city_approved = application("c1", submit, approve)
    objected = application("c1", submit, approve, recognize)
    approved = application("c2", submit, approve, recognize)
    call("dept", f"/applications/{approved}/actions/close_notice", {"today": "2030-01-01"})
    awards = [n["award_id"] for n in client.get(f"{API}/notices").json()]
    objection = client.post(f"{API}/notices/{awards[0]}/objections", json={"text": "异议"})
    assert objection.status_code == 201, objection.text
    calculate = raw["paths"][f"{API}/calculate"]["post"]["requestBody"]["content"]
    return World(
        tokens=tokens,
        ids={
            "app_id": [draft, submitted, city_approved, objected, approved],
            "attachment_id": [attachment],
            "award_id": [*awards, max(awards) + 1],
            "objection_id": [objection.json()["objection_id"]],
            "action": [*TRANSITIONS, "close_notice"],
        },
        example_case=calculate["application/json"]["schema"]["examples"][0],
    )


def match_ids(client: TestClient) -> list[int]:
    with transaction(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(Match.id))) or [1]


def body_schema(raw: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The operation's request body schema, its reference resolved."""
    content = operation.get("requestBody", {}).get("content", {})
    schema: dict[str, Any] = next(iter(content.values()), {}).get("schema", {})
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = raw["components"]["schemas"][name]
    return schema


SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)
ANONYMOUS = st.one_of(
    st.just({}), st.sampled_from(HOSTILE_AUTHORIZATION).map(lambda a: {"Authorization": a})
)


def check_operation(
    client: TestClient,
    world: World,
    requests: st.SearchStrategy[Outgoing],
    roles: tuple[str, ...],
    examples: int,
) -> None:
    @settings(SETTINGS, max_examples=examples)
    @given(request=requests, anonymous=ANONYMOUS, role=st.sampled_from(roles))
    def run(request: Outgoing, anonymous: dict[str, str], role: str) -> None:
        send(client, request, anonymous)
        send(client, request, world.tokens[role])

    run()


def test_every_operation_survives_hostile_input(
    client: TestClient, subtests: pytest.Subtests
) -> None:
    raw = client.get("/openapi.json").json()
    world = seed_world(client, raw)
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    listed = {(m.upper(), p) for p, ops in raw["paths"].items() for m in ops}
    assert {(o.method.upper(), o.path) for o in operations} == listed  # every one, none twice
    for operation in operations:
        definition = raw["paths"][operation.path][operation.method.lower()]
        cases = st.one_of(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )
        requests = outgoing(cases, definition, body_schema(raw, definition), world)
        tag = (definition.get("tags") or [""])[0]
        roles = ROLES_BY_TAG.get(tag, EVERY_ROLE)
        examples = EXAMPLES_BY_TAG.get(tag, EXAMPLES_PER_OPERATION)
        world.ids["match_id"] = match_ids(client)  # a matching run replaces them
        with subtests.test(msg=operation.label):
            check_operation(client, world, requests, roles, examples)


# ---------------------------------------------------------------------------------------------
# The bugs the property test found, each with its smallest input


def assert_refused_or_served(response: Any, *statuses: int) -> None:
    """An expected status, never a 5xx; a 4xx in the API's error format."""
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]


def test_ids_beyond_32_bits_are_refused(client: TestClient) -> None:
    # Was: PostgreSQL "integer out of range" from 2^31, SQLite OverflowError from 2^63 (500).
    ent = login(client, "ent")
    for big in ("2147483648", "9223372036854775808"):
        response = client.get(f"{API}/applications/{big}", headers=ent)
        assert_refused_or_served(response, 404, 422)
        response = client.post(f"{API}/notices/{big}/objections", json={"text": "x"})
        assert_refused_or_served(response, 404, 422)


def test_nul_in_text_is_refused(client: TestClient) -> None:
    # PostgreSQL text cannot hold NUL: each of these is a 500 there (SQLite stores the NUL).
    response = client.post(f"{API}/auth/token", json={"username": "a\x00", "password": "x"})
    assert_refused_or_served(response, 401, 422)
    response = client.get(f"{API}/applications?state=%00", headers=login(client, "ent"))
    assert_refused_or_served(response, 200, 422)
    line = {"fund": "f\x00", "year": 2021, "level": "city", "amount": "1"}
    fin = login(client, "fin")
    before = row_counts(client)
    response = client.post(f"{API}/budgets", json=line, headers=fin)
    assert_refused_or_served(response, 201, 422)
    if response.status_code == 422:
        assert row_counts(client) == before


def test_a_lone_surrogate_is_refused(client: TestClient) -> None:
    # Was: JSON may escape a lone surrogate; echoing it back in the 422 failed to encode (500).
    body = b'{"username": "\\ud800", "password": "x"}'
    headers = {"Content-Type": "application/json"}
    response = client.post(f"{API}/auth/token", content=body, headers=headers)
    assert_refused_or_served(response, 401, 422)


def test_a_second_budget_line_for_the_same_fund_year_and_level_is_refused(
    client: TestClient,
) -> None:
    # Was: the seeded line (FUND, 2021, province, "") again broke the unique constraint (500).
    line = {"fund": FUND, "year": 2021, "level": "province", "amount": "1"}
    fin = login(client, "fin")
    before = row_counts(client)
    response = client.post(f"{API}/budgets", json=line, headers=fin)
    assert_refused_or_served(response, 409, 422)
    assert row_counts(client) == before


def test_a_csv_field_over_the_csv_module_limit_is_refused(client: TestClient) -> None:
    # csv raises "field larger than field limit (131072)", which nothing turns into a 4xx (500).
    files = {"file": ("enterprises.csv", b"id,name\n" + b"A" * 200_000 + b",x\n", "text/csv")}
    url = f"{API}/registry/imports?table=enterprises"
    boss = login(client, "boss")
    before = row_counts(client)
    response = client.post(url, files=files, headers=boss)
    assert_refused_or_served(response, 413, 422)
    assert row_counts(client) == before


def test_a_refused_registry_import_answers_in_the_api_error_format(client: TestClient) -> None:
    # Was: the import's 422 was only its report ({"applied", "counts", "errors"}).
    csv = "id,name,city,county,kinds\nE9,云谷,北京市,平城区,spaceship\n".encode()
    url = f"{API}/registry/imports?table=enterprises"
    boss = login(client, "boss")
    before = row_counts(client)
    response = client.post(url, files={"file": ("e.csv", csv, "text/csv")}, headers=boss)
    assert_refused_or_served(response, 422)
    assert row_counts(client) == before


def test_a_refusal_after_the_first_write_leaves_no_row(client: TestClient) -> None:
    # The draft is flushed before the calculator finds that the item does not apply to these
    # facts (409): the request's transaction must take the row back. The property test reaches
    # this path only now and then, so it is pinned here.
    body = {"enterprise_id": "E1", "item": "p09_bigdata_hq", "year": 2020, "case": {}}
    ent = login(client, "ent")
    before = row_counts(client)
    response = client.post(f"{API}/applications", json=body, headers=ent)
    assert_refused_or_served(response, 409, 422)
    assert row_counts(client) == before
