"""Hostile input against every operation of the app's own OpenAPI schema (SQLite and PostgreSQL).

For each operation that GET /openapi.json lists, schemathesis draws requests that fit the schema
and requests that break it (wrong types, missing and extra fields, nulls). On top of those the
test mutates them: ids that exist and ids far out of range, SQL-ish, path-traversal, NUL, huge
and odd Unicode strings, negative and enormous numbers, the wrong content type, broken JSON and
broken multipart. Every request goes out twice, without a valid token and with the valid token
of a role the operation concerns, and every answer must be:

1. never 5xx;
2. on 4xx, the API's JSON error (``{"error": {"code", "message", "errors"}}``), and never any
   traceback text;
3. on 4xx (and on any GET), not one row added or removed in any table: a refused request,
   payment or workflow action writes nothing.

The examples are derandomised and bounded per operation (``EXAMPLES_PER_OPERATION``). The
explicit tests after the property test pin the bugs it found, each with its smallest input.
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
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet
from sqlalchemy import Engine, inspect, select, text

from jinshu.api.routes.calculator import limiter
from jinshu.matching.match import run_matching
from jinshu.store.db import transaction
from jinshu.store.models import Match
from jinshu.workflow.states import TRANSITIONS
from tests.api.conftest import PASSWORD, login
from tests.workflow.helpers import FUND

EXAMPLES_PER_OPERATION = 25
API = "/api/v1"
TRACEBACK_MARKERS = ("Traceback", 'File "/')
ERROR_ENTRY_KEYS = {"field", "message_zh", "message_en", "value"}

# The seeded users (tests/api/conftest.py) of the roles that each tag of operations concerns; an
# operation of a tag not named here is sent with the tokens of every role.
ROLES_BY_TAG = {
    "applications": ("ent", "city", "dept", "boss"),
    "payments": ("fin", "boss", "ent"),
    "notices": ("dept", "boss", "ent"),
    "auth": ("ent", "fin"),
    "calculator": ("ent",),
    "health": ("ent",),
    "registry": ("boss", "ent"),
    "matches": ("ent", "city", "dept", "boss"),
}
EVERY_ROLE = ("ent", "city", "dept", "fin", "boss")

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "' OR '1'='1",
    "'; DROP TABLE applications; --",
    '" OR ""="',
    "1 UNION SELECT password_hash FROM users --",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "file:///etc/passwd",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "%s%s%s%n",
    "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\U0001d573\U0001d58a \U0001f469\u200d\U0001f469\u200d\U0001f467",
    "e" + "\u0301" * 200,
    "\ud800",
    "\ufeff\u200b",
    "NaN",
    "Infinity",
    "-1",
    "1e309",
    "0x10",
    "null",
    "true",
    "[]",
    "{}",
    "A" * 100_000,
    "中" * 30_000,
    "\x00" * 1000,
]
HOSTILE_NUMBERS = [
    0,
    -1,
    -(2**31),
    2**31,
    2**63,
    -(2**63) - 1,
    10**40,
    -(10**40),
    1.5,
    -0.0,
    1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
]
HOSTILE_OTHERS: list[Any] = [None, True, False, [], {}, [None], {"": None}, [[[[[]]]]]]
HOSTILE_SEGMENTS = [
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 40,
    "1.0",
    "1e3",
    "0x10",
    "%201",
    "%EF%BC%91",  # a full-width digit one
    "NaN",
    "null",
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
    "a.pdf",
    "../../etc/passwd",
    "..\\boot.ini",
    "合同.pdf",
    "x" * 500,
    "",
    "a'b\".pdf",
]
HOSTILE_CONTENT_TYPES = [
    "application/pdf",
    "text/html",
    "application/x-sh",
    "image/png; charset=../../x",
    "x" * 300,
    "",
]


def _workbook() -> bytes:
    """A readable XLSX whose cells are hostile: huge numbers, formulas, dates, odd text."""
    book = openpyxl.Workbook()
    sheet = book.active
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


UPLOADS = [
    b"%PDF-1.4 contract",
    "id,name,city,county,kinds,registered_in_shanxi\nE9,大同云谷数据有限公司,大同市,平城区,big_data,true\n".encode(),
    "id,name,city,county,kinds\nE9,云谷,北京市,平城区,spaceship\n,,,,\nE1,x,太原市,小店区,big_data\n".encode(),
    b"id,name\n" + b"A" * 200_000 + b",x\n",
    b"id,name\nE\x009,x\n",
    b'id,name\n"E9,x\n',
    b"id,id\n1,2\n",
    b"=cmd|' /C calc'!A0,x\n",
    b"\xff\xfe\xfa\x00",
    b"PK\x03\x04" + b"\x00" * 100,
    b"",
    _workbook(),
]
# Values an operation's fields take in the seeded world, so that requests reach deep code too.
KNOWN_FIELDS: dict[str, list[Any]] = {
    "enterprise_id": ["E1", "E2"],
    "item": ["p15_bid", "p09_bigdata_hq", "p01_power_trading", "p13_rent"],
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
    "state": ["draft", "in_notice"],
    "table": ["enterprises", "years", "records", "企业", "nope"],
    "dry_run": [True, False],
}
BODY_ENCODINGS = [
    "declared",
    "declared",
    "declared",
    "declared",
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


@dataclass(frozen=True)
class Segment:
    """A path segment exactly as it goes into the URL (already percent-encoded)."""

    text: str


@dataclass
class World:
    """The seeded database as the requests see it: tokens and ids that exist."""

    tokens: dict[str, dict[str, str]]
    ids: dict[str, list[Any]]
    example_case: dict[str, Any]


@dataclass
class Outgoing:
    method: str
    path: str
    query: dict[str, Any]
    content_type: str | None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None

    def __repr__(self) -> str:
        return self.describe({})

    def describe(self, headers: dict[str, str]) -> str:
        shown = {k: (v[:60] + "…" if len(v) > 60 else v) for k, v in headers.items()}
        body = (
            self.content if self.content is not None else {"files": self.files, "data": self.data}
        )
        return (
            f"{self.method} {self.path[:300]} query={_short(self.query)} headers={shown} "
            f"content-type={self.content_type!r} body={_short(body)}"
        )


def _short(value: Any, limit: int = 400) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit]}… ({len(shown)} chars)"


# ---------------------------------------------------------------------------------------------
# Strategies


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(HOSTILE_STRINGS),
        st.sampled_from(HOSTILE_NUMBERS),
        st.sampled_from(HOSTILE_OTHERS),
        st.text(max_size=40),
        st.integers(),
        st.floats(),
    )


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, the root included."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _nodes(child, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """The value with one place replaced, removed or added to, or left as it is."""
    value = copy.deepcopy(value)
    how = draw(st.sampled_from(["keep", "replace", "replace", "drop", "add"]))
    if how == "keep":
        return value
    places = _nodes(value)
    place = draw(st.sampled_from(places))
    if how == "replace":
        return _replace(value, place, draw(hostile_values()))
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


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def with_known_fields(draw: st.DrawFn, body: Any, world: World) -> Any:
    """Top-level fields set, now and then, to values that exist in the seeded world."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    for key in sorted(body, key=str):
        if key in KNOWN_FIELDS and draw(st.booleans()):
            body[key] = draw(st.sampled_from(KNOWN_FIELDS[key]))
        elif key == "case" and draw(st.booleans()):
            body[key] = copy.deepcopy(world.example_case)
    return body


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value, default=str).encode()


def _segment(value: Any) -> Segment:
    if isinstance(value, Segment):
        return value
    if isinstance(value, str):  # schemathesis percent-encodes the strings it draws
        return Segment(value)
    if value is None or isinstance(value, bool | list | dict):
        value = json.dumps(value)
    return Segment(quote(str(value), safe=""))


def _query_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_query_value(v) for v in value if not isinstance(v, list | dict)]
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


@st.composite
def outgoing(
    draw: st.DrawFn,
    cases: st.SearchStrategy[schemathesis.Case],
    operation: dict[str, Any],
    world: World,
) -> Outgoing:
    case = draw(cases)
    segments: dict[str, Segment] = {}
    for name, value in (case.path_parameters or {}).items():
        how = draw(st.sampled_from(["known", "known", "schema", "hostile"]))
        if how == "known" and world.ids.get(name):
            segments[name] = _segment(str(draw(st.sampled_from(world.ids[name]))))
        elif how == "hostile":
            segments[name] = Segment(draw(st.sampled_from(HOSTILE_SEGMENTS)))
        else:
            segments[name] = _segment(value)
    path = case.path
    for name, segment in segments.items():
        path = path.replace("{" + name + "}", segment.text)

    query = dict(case.query or {})
    for param in operation.get("parameters", []):
        if param["in"] != "query":
            continue
        how = draw(st.sampled_from(["schema", "schema", "known", "hostile", "drop"]))
        if how == "known" and param["name"] in KNOWN_FIELDS:
            query[param["name"]] = draw(st.sampled_from(KNOWN_FIELDS[param["name"]]))
        elif how == "hostile":
            query[param["name"]] = draw(st.one_of(hostile_values(), st.lists(hostile_values())))
        elif how == "drop":
            query.pop(param["name"], None)
    if draw(st.integers(0, 5)) == 0:
        query[draw(st.sampled_from(["extra", "' OR 1=1 --", "__proto__"]))] = draw(hostile_values())
    query = {str(k): _query_value(v) for k, v in query.items() if v is not None}

    out = Outgoing(case.method.upper(), path, query, None)
    if "requestBody" not in operation:
        return out
    body = case.body
    declared = case.media_type or "application/json"
    if not isinstance(body, NotSet):
        body = draw(with_known_fields(body, world))
        body = draw(mutated(body))
    encoding = draw(st.sampled_from(BODY_ENCODINGS))
    as_json = (
        b"" if isinstance(body, NotSet) else _as_bytes(body) if isinstance(body, bytes) else None
    )
    if as_json is None:
        as_json = json.dumps(body, default=str).encode()
    if encoding == "declared" and isinstance(body, NotSet):
        return out
    if encoding == "declared" and declared.startswith("multipart/"):
        if isinstance(body, dict):
            fields = {str(k): v for k, v in body.items()}
            upload = fields.pop("file", None)
            out.data = {k: _as_bytes(v).decode("utf-8", "replace") for k, v in fields.items()}
            if upload is not None:
                filename = draw(st.sampled_from(HOSTILE_FILENAMES))
                media = draw(st.sampled_from(HOSTILE_CONTENT_TYPES))
                content = draw(st.sampled_from([_as_bytes(upload), *UPLOADS]))
                out.files = {"file": (filename, content, media or None)}
            return out
        out.content_type = "multipart/form-data; boundary=hostile"
        out.content = as_json
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
    elif encoding == "raw-utf8":
        raw = (
            json.dumps(body, default=str, ensure_ascii=False)
            if not isinstance(body, NotSet)
            else ""
        )
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


def row_counts(client: TestClient) -> dict[str, int]:
    """Rows in every table of the app's database."""
    engine: Engine = client.app.state.sessions.kw["bind"]  # type: ignore[attr-defined]
    tables = sorted(inspect(engine).get_table_names())
    quote_name = engine.dialect.identifier_preparer.quote
    query = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote_name(t)})" for t in tables)
    with engine.connect() as conn:
        counts = conn.execute(text(query)).one()
    return dict(zip(tables, (int(c) for c in counts), strict=True))


def problems(
    status: int, body: str, method: str, before: dict[str, int], after: dict[str, int]
) -> list[str]:
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
            not isinstance(e, dict) or set(e) != ERROR_ENTRY_KEYS for e in error["errors"]
        ):
            found.append(
                "a 4xx answer whose `errors` are not [{field, message_zh, message_en, value}]"
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
    limiter.hits.clear()  # the calculator's per-minute limit would turn later examples into 429
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
# The seeded world


def seed_world(client: TestClient, example_case: dict[str, Any]) -> World:
    """Applications in several states, an attachment, an award in notice with an objection."""
    tokens = {u: login(client, u) for u in EVERY_ROLE}
    with transaction(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        run_matching(session, client.app.state.policy, year=2020, actor="test")  # type: ignore[attr-defined]
        match_ids = [m.id for m in session.scalars(select(Match))]

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
    return World(
        tokens=tokens,
        ids={
            "app_id": [draft, submitted, city_approved, objected, approved],
            "attachment_id": [attachment],
            "award_id": [*awards, awards[0] + 1],
            "objection_id": [objection.json()["objection_id"]],
            "action": [*TRANSITIONS, "close_notice"],
            "match_id": match_ids or [1],
        },
        example_case=example_case,
    )


def _example_case(schema: dict[str, Any]) -> dict[str, Any]:
    """The case the schema itself gives as the calculator's example."""
    body = schema["paths"][f"{API}/calculate"]["post"]["requestBody"]
    examples = body["content"]["application/json"]["schema"]["examples"]
    example: dict[str, Any] = examples[0]
    return example


SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
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


def check_operation(
    client: TestClient,
    world: World,
    case_strategy: st.SearchStrategy[Any],
    operation: dict[str, Any],
) -> None:
    roles = ROLES_BY_TAG.get((operation.get("tags") or [""])[0], EVERY_ROLE)

    @SETTINGS
    @given(
        request=outgoing(case_strategy, operation, world),
        anonymous=st.one_of(
            st.just({}), st.sampled_from(HOSTILE_AUTHORIZATION).map(lambda a: {"Authorization": a})
        ),
        role=st.sampled_from(roles),
    )
    def run(request: Outgoing, anonymous: dict[str, str], role: str) -> None:
        note(f"role {role}")
        send(client, request, anonymous)
        send(client, request, world.tokens[role])

    run()


def test_every_operation_survives_hostile_input(
    client: TestClient, subtests: pytest.Subtests
) -> None:
    raw = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    world = seed_world(client, _example_case(raw))
    operations = [result.ok() for result in schema.get_all_operations()]
    listed = {(m.upper(), p) for p, ops in raw["paths"].items() for m in ops}
    assert {(o.method.upper(), o.path) for o in operations} == listed
    for operation in operations:
        definition = raw["paths"][operation.path][operation.method.lower()]
        cases = st.one_of(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )
        with subtests.test(msg=operation.label):
            check_operation(client, world, cases, definition)
