"""Evaluate a registry with the vectorised backend, item by item, falling back to SQL.

``run_vector`` loads the registry tables as columns (:mod:`jinshu.matching.columnar`), then for
each item builds its rows (records of its grain, or applicants; ``where``, ``applies`` and
``combine`` as the SQL backend), evaluates its conditions over every row and its review notes,
steps and payout over the rows no condition refused (:mod:`jinshu.rules.vector`), finds the facts
that made each unknown, decides and applies the item's shared rules
(:mod:`jinshu.rules.vector_shared`), then the rules across items and the split. An item whose
expressions or magnitudes cannot be evaluated exactly this way (:class:`Unsupported`) runs on
the SQL backend instead, together with every item it shares a rule across items with; the
:class:`VectorRun` says which items ran where, and why. Clause 16's upgrade difference runs
through the single-case module, as with the SQL backend.

The result is the SQL backend's results table, row for row (``to_arrow``): the differential
tests require both to be equal on every column.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from jinshu.facts.case import Case
from jinshu.facts.schema import KEY_DEFAULTS_TO_ID, YEAR, record_facts
from jinshu.matching.columnar import Column, ColumnarRegistry, Table, registry_from_connection
from jinshu.matching.engines.base import CAP_ARROW, RESULTS_ARROW
from jinshu.rules.evaluate import payout_roles
from jinshu.rules.policyset import Expr, Item, PolicySet
from jinshu.rules.results import CaseResult
from jinshu.rules.scope import ENTERPRISE_NAMES, display_name
from jinshu.rules.vector import (
    I64,
    Bool,
    Date,
    Nul,
    Num,
    Str,
    Unsupported,
    Value,
    as_bool,
    constant,
    evaluate,
    mask_of,
    null_of,
    take,
)
from jinshu.rules.vector_shared import (
    STATUS,
    W_FAILED,
    WHY,
    EarlierYears,
    History,
    ItemRows,
    apply_at_most_years,
    apply_cap,
    apply_cross_item,
    apply_first_reaching,
    apply_one_time,
    apply_split,
    apply_zero_ceiling,
    bool_of,
    decide,
    new_rows,
)

_ALIAS_OF = {alias: fact for fact, alias in ENTERPRISE_NAMES.items()}


def _in_sql(item: Item) -> bool:
    return item.grain != "info" and item.spec.payout.kind != "upgrade"


class Context:
    """One run: the registry, the constants, the year, and what several items share."""

    def __init__(self, reg: ColumnarRegistry, constants: Mapping[str, Any], year: int) -> None:
        self.reg = reg
        self.constants = constants
        self.year = year
        self._years: dict[int, dict[str, Column]] = {}
        self._aggregates: dict[tuple[str, str], Column] = {}
        self._history: History | None = None

    def code(self, text: str) -> int:
        return self.reg.strings.code(text)

    @property
    def history(self) -> History:
        if self._history is None:
            h = self.reg.history
            amount = h.columns["amount"]
            self._history = History(
                ent=h.ent,
                item=h.columns["item"].v,
                year=h.columns["year"].v,
                key=h.columns["key"].v,
                amount=amount.value() if amount.problem is None else None,  # type: ignore[arg-type]
                n_codes=self.reg.strings.size,
                problem=amount.problem,
            )
        return self._history

    def year_columns(self, year: int) -> dict[str, Column]:
        """Each yearly figure of ``year``, one slot per applicant (NULL where not given)."""
        if year not in self._years:
            t = self.reg.years
            n_ent = self.reg.n_ent
            rows = np.flatnonzero(t.columns["year"].v == year)
            ents = t.ent[rows]
            if rows.size and int(np.bincount(ents).max()) > 1:
                raise Unsupported(f"two rows of figures for one applicant in {year}")
            out = {}
            for name in YEAR:
                col = t.columns[name]
                fill: Any = col.lo if col.kind != "bool" else False
                v = np.full(n_ent, fill, dtype=col.v.dtype)
                v[ents] = col.v[rows]
                null = np.ones(n_ent, np.bool_)
                null[ents] = False if col.null is None else col.null[rows]
                out[name] = Column(col.kind, v, null, col.scale, col.lo, col.hi, col.problem)
            self._years[year] = out
        return self._years[year]

    def aggregate(self, item: Item, name: str) -> Column:
        """An aggregate of an item, one slot per applicant."""
        key = (item.id, name)
        if key not in self._aggregates:
            agg = next(a for a in item.aggregates if a.name == name)
            self._aggregates[key] = self._compute_aggregate(agg.of, agg.fn, agg.expr, agg.where,
                                                            agg.item)  # fmt: skip
        return self._aggregates[key]

    def _compute_aggregate(
        self, of: str, fn: str, expr: Expr, where: Expr | None, item_id: str | None
    ) -> Column:
        n_ent = self.reg.n_ent
        if of == "history":
            h = self.reg.history
            frame = Frame(self, None, h, None, None, "history")
            rows = np.flatnonzero(h.columns["item"].v == self.code(str(item_id)))
            frame = frame.take(rows)
            table: Table = h
        else:
            if of not in self.reg.records:
                raise Unsupported(f"no table of {of} records")
            table = self.reg.records[of]
            frame = Frame(self, None, table, None, None, of)
        ent = frame.ents()
        n = frame.n
        if where is not None:
            w = bool_of(as_bool(evaluate(where.tree, frame)), n)
        else:
            w = np.ones(n, np.bool_)
        unique = table.ent_unique and len(ent) == n
        if fn == "count":
            counts = np.bincount(ent[w], minlength=n_ent).astype(np.int64)
            return Column("num", counts, None, 0, 0, int(counts.max(initial=0)))
        value = evaluate(expr.tree, frame)
        if isinstance(value, Nul):
            value = Num(0, 0, 0, 0, True)
        if not isinstance(value, Num | Date):
            raise Unsupported(f"a {fn} of {type(value).__name__}")
        v = np.broadcast_to(np.asarray(value.v, np.int64), (n,))
        vnull = np.broadcast_to(np.asarray(mask_of(value.null), np.bool_), (n,))
        kind, scale = ("num", value.scale) if isinstance(value, Num) else ("date", 0)
        if fn == "sum":
            if isinstance(value, Date):
                raise Unsupported("a sum of dates")
            per = max(table.per_ent, 1)
            lo, hi = min(0, value.lo * per), max(0, value.hi * per)
            if lo < -(2**63 - 1) or hi > 2**63 - 1:
                raise Unsupported("a sum that may not fit in 64 bits")
            total = np.zeros(n_ent, np.int64)
            if unique:
                total[ent[w]] = v[w]
            else:
                np.add.at(total, ent[w], v[w])
            unknown = np.zeros(n_ent, np.bool_)
            unknown[ent[w & vnull]] = True
            total[unknown] = 0
            return Column("num", total, unknown if unknown.any() else None, scale, lo, hi)
        sel = w & ~vnull
        if unique and table.ent_identity and bool(sel.all()):
            # One row per applicant, in order, every one counted: the values themselves.
            return Column(kind, v, None, scale, value.lo, value.hi)
        empty = np.ones(n_ent, np.bool_)
        empty[ent[sel]] = False
        out = np.full(n_ent, value.hi if fn == "min" else value.lo, np.int64)
        if unique:
            out[ent[sel]] = v[sel]
        elif fn == "min":
            np.minimum.at(out, ent[sel], v[sel])
        else:
            np.maximum.at(out, ent[sel], v[sel])
        return Column(kind, out, empty, scale, value.lo, value.hi)


class Frame:
    """Rows of one table (a record kind, the applicants, or history) as an expression scope.

    Names resolve as in the SQL backend: the item's steps, then the constants, then the row's
    columns (record facts, the applicant's facts and kinds, the year's figures and the previous
    year's, the item's aggregates). ``rec`` (None: every row in order) and ``ent`` (None: the
    applicants themselves, in order) say which rows; a frame taken from another reuses the
    values the other already computed.
    """

    def __init__(
        self,
        ctx: Context,
        item: Item | None,
        table: Table | None,
        rec: I64 | None,
        ent: I64 | None,
        kind: str,
        parent: Frame | None = None,
        pidx: I64 | None = None,
    ) -> None:
        self.ctx = ctx
        self.item = item
        self.table = table
        self.rec = rec
        self.kind = kind
        identity = rec is None and table is not None and table.ent_identity
        if ent is None and table is not None and kind != "applicant" and not identity:
            ent = table.ent if rec is None else table.ent[rec]
        self.ent = ent
        if kind == "applicant":
            self.n = ctx.reg.n_ent if ent is None else len(ent)
        else:
            assert table is not None
            self.n = table.n if rec is None else len(rec)
        self.parent = parent
        self.pidx = pidx
        self.cache: dict[str, Value] = {}
        self._steps = {s.id: s for s in item.steps} if item is not None else {}
        self._aggs = {a.name for a in item.aggregates} if item is not None else set()

    def ents(self) -> I64:
        return np.arange(self.n, dtype=np.int64) if self.ent is None else self.ent

    def take(self, idx: I64) -> Frame:
        rec = None if self.kind == "applicant" else (idx if self.rec is None else self.rec[idx])
        ent = idx if self.ent is None else self.ent[idx]
        return Frame(self.ctx, self.item, self.table, rec, ent, self.kind, self, idx)

    def _cached(self, name: str) -> Value | None:
        if name in self.cache:
            return self.cache[name]
        if self.parent is not None:
            found = self.parent._cached(name)
            if found is not None:
                value = found.take(self.pidx)
                self.cache[name] = value
                return value
        return None

    # --- Env ---

    def code(self, text: str) -> int:
        return self.ctx.code(text)

    def lookup(self, name: str) -> Value:
        found = self._cached(name)
        if found is not None:
            return found
        if name in self._steps:
            value = evaluate(self._steps[name].expr.tree, self)
        elif name in self.ctx.constants:
            value = constant(self.ctx.constants[name], self.ctx.code)
        else:
            value = self._column(name)
        self.cache[name] = value
        return value

    def _column(self, name: str) -> Value:
        reg = self.ctx.reg
        if self.kind == "history":
            assert self.table is not None
            column = "year" if name == "h_year" else name
            if column not in ("item", "year", "key", "level", "amount"):
                raise Unsupported(f"{name} in an aggregate over history")
            return self.table.columns[column].value(self.rec)
        if self.kind not in ("applicant", "history"):
            assert self.table is not None
            facts = record_facts(self.kind)
            if name == "record_id":
                return self.table.columns["record_id"].value(self.rec)
            if name in facts and name != "id":
                value = self.table.columns[name].value(self.rec)
                if name in KEY_DEFAULTS_TO_ID and isinstance(value, Str):
                    rid = self.table.columns["record_id"].value(self.rec)
                    assert isinstance(rid, Str)
                    if value.null is not None:
                        code = np.where(value.code < 0, rid.code, value.code)
                        value = Str(code, None)
                return value
        elif name == "record_id":
            return Str(-1, True)
        if name in _ALIAS_OF or name.startswith("kind_"):
            fact = _ALIAS_OF.get(name, name)
            return reg.enterprises.columns[fact].value(self.ent)
        if name in YEAR:
            return self.ctx.year_columns(self.ctx.year)[name].value(self.ent)
        if name.startswith("prev_") and name[5:] in YEAR:
            return self.ctx.year_columns(self.ctx.year - 1)[name[5:]].value(self.ent)
        if self.item is not None and name in self._aggs:
            return self.ctx.aggregate(self.item, name).value(self.ent)
        raise Unsupported(f"the name {name}")

    # --- RowSource ---

    def value(self, name: str, rows: I64) -> Value:
        return self.take(rows).lookup(name)

    def record_ids(self, rows: I64) -> I64:
        if self.kind == "applicant" or self.table is None:
            return np.full(len(rows), -1, np.int64)
        rec = rows if self.rec is None else self.rec[rows]
        codes: I64 = self.table.columns["record_id"].v[rec]
        return codes

    def indices(self) -> tuple[I64, I64 | None, I64]:
        """Each row's applicant, record (None for applicants) and record index."""
        ent = self.ents()
        if self.kind == "applicant":
            return ent, None, np.full(self.n, -1, np.int64)
        assert self.table is not None
        idx = self.table.columns["idx"]
        if self.rec is None:
            return ent, np.arange(self.n, dtype=np.int64), idx.v
        return ent, self.rec, idx.v[self.rec]


# --- one item -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One place a missing fact can come from: the guards (steps that must be NULL) and a name."""

    guards: tuple[str, ...]
    name: str | None
    label: str


def _entries(expr: Expr, item: Item, constants: Mapping[str, Any], year: int,
             guard: tuple[str, ...] = ()) -> list[_Entry]:  # fmt: skip
    """:func:`jinshu.rules.plan._missing_sql`, as data."""
    steps = {s.id: s for s in item.steps}
    aggregates = {a.name: a for a in item.aggregates}
    out: list[_Entry] = []
    for name in expr.names:
        if name in steps:
            out += _entries(steps[name].expr, item, constants, year, (*guard, name))
            continue
        if name in constants:
            if constants[name] is not None:
                continue
            out.append(_Entry(guard, None, display_name(name, year)))
            continue
        labels = (
            list(aggregates[name].expr.names) if name in aggregates else [display_name(name, year)]
        )
        out += [_Entry(guard, name, label) for label in labels]
    return out


def _source(ctx: Context, item: Item) -> Frame:
    """The item's rows, filtered as the SQL backend's FROM and WHERE clauses."""
    if item.grain == "applicant":
        frame = Frame(ctx, item, None, None, None, "applicant")
    else:
        table = ctx.reg.records.get(item.grain)
        if table is None:
            raise Unsupported(f"no table of {item.grain} records")
        frame = Frame(ctx, item, table, None, None, item.grain)
    for expr in (item.where, item.applies):
        if expr is not None:
            keep = bool_of(as_bool(evaluate(expr.tree, frame)), frame.n)
            frame = frame.take(np.flatnonzero(keep))
    if item.spec.combine == "first" and frame.n > 1:
        ent = frame.ents()
        first = np.ones(frame.n, np.bool_)
        first[1:] = ent[1:] != ent[:-1]
        frame = frame.take(np.flatnonzero(first))
    return frame


def _null_mask(v: Value, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(mask_of(null_of(v)), np.bool_), (n,))


def run_item(ctx: Context, item: Item) -> ItemRows:
    """Rows, values, decision and the item's shared rules (not the rules across items)."""
    constants, year = ctx.constants, ctx.year
    frame = _source(ctx, item)
    ent, rec, idx = frame.indices()
    rows = new_rows(item, ent, idx, rec, frame, len(item.conditions))
    n = frame.n
    conditions = [as_bool(evaluate(c.expr.tree, frame)) for c in item.conditions]
    for i, value in enumerate(conditions):
        false = value.false
        if isinstance(false, bool):
            if false:
                rows.fails |= rows.fails.dtype.type(1 << i)
            continue
        rows.fails |= false.view(np.uint8).astype(rows.fails.dtype) << rows.fails.dtype.type(i)
    alive = np.flatnonzero(rows.fails == 0) if conditions else np.arange(n)
    sub = frame if len(alive) == n else frame.take(alive)
    m = len(alive)
    noted: Any = False
    for review in item.reviews:
        noted = noted | bool_of(as_bool(evaluate(review.expr.tree, sub)), m)
    roles = payout_roles(item)
    steps = {s.id: s for s in item.steps}
    payout: dict[str, Value] = {}
    for role, name in roles.items():
        payout[role] = sub.lookup(name) if name in steps else constant(
            constants.get(name), ctx.code
        )  # fmt: skip
    # The facts that made each unknown condition or payout value unknown.
    places: list[tuple[np.ndarray, _Entry]] = []
    for i, cond in enumerate(item.conditions):
        unknown = take(conditions[i].null, alive) if conditions[i].null is not None else None
        for entry in _entries(cond.expr, item, constants, year):
            places.append((_null_mask(Bool(False, unknown), m), entry))
    for role in ("amount", "max", "min"):
        if role in roles:
            source = steps.get(roles[role])
            found = _entries(source.expr, item, constants, year) if source is not None else []
            unknown_p = _null_mask(payout[role], m)
            for entry in found:
                places.append((unknown_p, entry))
    if len(places) > 64:
        raise Unsupported("more than 64 places a missing fact can come from")
    rows.labels = [entry.label for _, entry in places]
    for position, (unknown_at, entry) in enumerate(places):
        if not unknown_at.any():
            continue
        where = unknown_at.copy()
        for guard in entry.guards:
            where &= _null_mask(sub.lookup(guard), m)
        if entry.name is not None:
            where &= _null_mask(sub.lookup(entry.name), m)
        if where.any():
            rows.miss[alive[where]] |= np.uint64(1) << np.uint64(position)
    decide(rows, alive, noted, payout)
    spec = item.spec
    history = ctx.history
    if spec.payout.kind == "first_reaching":
        apply_first_reaching(rows, constants, year, _earlier(ctx, spec.payout.figure), history,
                             _history_keys(ctx))  # fmt: skip
    if spec.one_time is not None:
        apply_one_time(rows, spec.one_time, False, year, history)
    if spec.once_per_year is not None:
        apply_one_time(rows, spec.once_per_year, True, year, history)
    if spec.at_most_years is not None:
        years = constants.get(spec.at_most_years.years)
        if years is not None:
            apply_at_most_years(rows, int(years), year, history)
    for n_cap in range(len(spec.caps)):
        apply_cap(rows, n_cap, constants, year, history)
    apply_zero_ceiling(rows)
    if spec.split is not None:
        for name in (spec.split.province, spec.split.city):
            if constants.get(name) is None:
                raise Unsupported(f"a split share {name} that is not set")
    return rows


def _earlier(ctx: Context, figure: str | None) -> EarlierYears:
    """Per applicant, the highest figure of the years before and whether the year before is given."""
    fig = figure or "main_revenue"
    t = ctx.reg.years
    col = t.columns[fig]
    if col.problem is not None:
        raise Unsupported(col.problem)
    n_ent = ctx.reg.n_ent
    years = t.columns["year"].v
    known = years < ctx.year
    if col.null is not None:
        known &= ~col.null
    rows = np.flatnonzero(known)
    top = np.full(n_ent, col.lo, np.int64)
    np.maximum.at(top, t.ent[rows], col.v[rows])
    counts = np.bincount(t.ent[rows], minlength=n_ent)
    has_prev = np.zeros(n_ent, np.bool_)
    has_prev[t.ent[rows[years[rows] == ctx.year - 1]]] = True
    return EarlierYears(Num(top, col.scale, col.lo, col.hi, counts == 0), has_prev)


def _history_keys(ctx: Context) -> dict[int, Any]:
    """Each history key that reads as a number (``TRY_CAST(key AS DECIMAL)``), by code."""
    codes = np.unique(ctx.reg.history.columns["key"].v)
    codes = codes[codes >= 0]
    texts = ctx.reg.strings.texts(codes).to_pylist()
    out: dict[int, Any] = {}
    for code, text in zip(codes.tolist(), texts, strict=True):
        try:
            value = Decimal(text.strip())
            out[code] = value if value.is_finite() else None
        except ArithmeticError:
            out[code] = None
    return out


# --- a run --------------------------------------------------------------------------------------


@dataclass
class VectorRun:
    """What ran where: items evaluated vectorised, items on SQL (and why), items in Python."""

    rows: dict[str, ItemRows] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)
    python: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def vector(self) -> list[str]:
        return list(self.rows)


def run_vector(
    reg: ColumnarRegistry,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str] | None = None,
) -> VectorRun:
    """Every SQL-evaluable item that can run vectorised, finished (rules across items, split).

    Items that cannot are named in ``sql`` with the reason; the caller runs them on SQL.
    """
    ctx = Context(reg, constants, year)
    run = VectorRun()
    chosen = [i for i in policy.items.values() if _in_sql(i) and (items is None or i.id in items)]
    run.python = [
        i.id
        for i in policy.items.values()
        if i.grain != "info" and not _in_sql(i) and (items is None or i.id in items)
    ]
    for item in chosen:
        start = time.perf_counter()
        try:
            run.rows[item.id] = run_item(ctx, item)
        except Unsupported as exc:
            run.sql[item.id] = str(exc)
        run.seconds[item.id] = time.perf_counter() - start
    rules = [
        r for r in policy.cross_item if (constants.get(r.switch) if r.switch else "on") != "off"
    ]
    changed = True
    while changed:
        changed = False
        for rule in rules:
            failed = [i for i in rule.items if i in run.sql]
            for member in rule.items:
                if failed and member in run.rows:
                    del run.rows[member]
                    run.sql[member] = f"shares the rule {rule.id} with {failed[0]}"
                    changed = True
    start = time.perf_counter()
    for rule in rules:
        members = [run.rows[i] for i in rule.items if i in run.rows]
        if members:
            apply_cross_item(rule, members, year, ctx.history, ctx.code)
    for rows in run.rows.values():
        apply_split(rows, constants)
    run.seconds["finish"] = time.perf_counter() - start
    return run


# --- to the results table -----------------------------------------------------------------------

MONEY = pa.decimal128(38, 2)
DEC = pa.decimal128(38, 12)
CAP_STRUCT = CAP_ARROW
# The SQL backend's results table with clause 1's split: what the two backends are compared on.
SCHEMA = pa.schema(
    [*RESULTS_ARROW, ("split_province", MONEY), ("split_city", MONEY), ("split_county", MONEY)]
)


def _decimal(v: np.ndarray, null: np.ndarray | None, scale: int) -> pa.Array:
    """int64 units of 10**-scale as decimal128(38, scale), exactly."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    words = np.empty((len(v), 2), np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63
    validity = None
    nulls = 0
    if null is not None and null.any():
        validity = pa.array(~null).buffers()[1]
        nulls = int(null.sum())
    return pa.Array.from_buffers(
        pa.decimal128(38, scale), len(v), [validity, pa.py_buffer(words)], null_count=nulls
    )


def _repeat(text: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([text])).cast(
        pa.string()
    )


def _lists(keys: np.ndarray, lists: list[tuple[str, ...]]) -> pa.Array:
    """A list column: row i holds ``lists[keys[i]]``."""
    lengths = np.array([len(x) for x in lists], dtype=np.int64)
    starts = np.zeros(len(lists), np.int64)
    starts[1:] = np.cumsum(lengths)[:-1]
    flat = pa.array([s for x in lists for s in x], type=pa.string())
    row_len = lengths[keys]
    offsets = np.zeros(len(keys) + 1, np.int32)
    offsets[1:] = np.cumsum(row_len)
    total = int(offsets[-1])
    pick = np.repeat(starts[keys] - offsets[:-1], row_len) + np.arange(total)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.take(pa.array(pick)))


def _miss_column(rows: ItemRows) -> pa.Array:
    masks, keys = np.unique(rows.miss, return_inverse=True)
    lists = []
    for mask in masks.tolist():
        seen: list[str] = []
        for position, label in enumerate(rows.labels):
            if mask >> position & 1 and label not in seen:
                seen.append(label)
        lists.append(tuple(seen))
    return _lists(keys.reshape(-1), lists)


def _why_column(rows: ItemRows) -> pa.Array:
    combined = (
        rows.why.astype(np.int64) << 48
        | rows.extra.astype(np.int64) << 32
        | np.where(rows.why == W_FAILED, rows.fails.astype(np.int64), 0)
    )
    uniq, keys = np.unique(combined, return_inverse=True)
    conditions = [f"condition:{c.id}" for c in rows.item.conditions]
    lists = []
    for value in uniq.tolist():
        why, extra, fails = value >> 48, value >> 32 & 0xFFFF, value & 0xFFFFFFFF
        base = WHY[why]
        words = (
            [c for i, c in enumerate(conditions) if fails >> i & 1] if base is None else list(base)
        )
        if extra:
            words.append(rows.refusals[extra - 1])
        lists.append(tuple(words))
    return _lists(keys.reshape(-1), lists)


def _caps_column(rows: ItemRows) -> pa.Array:
    n = rows.n
    if not rows.caps:
        return pa.ListArray.from_arrays(
            pa.array(np.zeros(n + 1, np.int32)), pa.array([], type=CAP_STRUCT)
        )
    at = np.concatenate([c.rows for c in rows.caps])
    order_in = np.concatenate([np.full(len(c.rows), i) for i, c in enumerate(rows.caps)])
    parts = []
    for c in rows.caps:
        parts.append(
            pa.StructArray.from_arrays(
                [
                    _repeat(c.cap, len(c.rows)),
                    *(_decimal(x, None, c.scale).cast(DEC) for x in (c.lim, c.used, c.cut)),
                ],
                fields=list(CAP_STRUCT),
            )
        )
    values = pa.concat_arrays(parts)
    order = np.lexsort((order_in, at))
    counts = np.bincount(at, minlength=n)
    offsets = np.zeros(n + 1, np.int32)
    offsets[1:] = np.cumsum(counts)
    return pa.ListArray.from_arrays(pa.array(offsets), values.take(pa.array(order)))


def _texts(reg: ColumnarRegistry, codes: np.ndarray) -> pa.Array:
    return reg.strings.texts(np.asarray(codes, np.int64))


def to_arrow(reg: ColumnarRegistry, rows: ItemRows) -> pa.Table:
    """One item's rows in the layout of the SQL backend's finished results."""
    n = rows.n
    item = rows.item
    none = pa.nulls(n, pa.string())
    ent_city = reg.enterprises.columns["city"].v[rows.ent]
    ent_county = reg.enterprises.columns["county"].v[rows.ent]
    if rows.rec is None:
        record_id, project_key = none, none
        city, county = _texts(reg, ent_city), _texts(reg, ent_county)
    else:
        table = reg.records[item.grain]
        record_id = _texts(reg, table.columns["record_id"].v[rows.rec])
        facts = record_facts(item.grain)
        project_key = (
            _texts(reg, table.columns["project_key"].v[rows.rec])
            if "project_key" in facts
            else none
        )
        if "city" in facts:
            own = table.columns["city"].v[rows.rec]
            city = _texts(reg, np.where(own >= 0, own, ent_city))
            own = table.columns["county"].v[rows.rec]
            county = _texts(reg, np.where(own >= 0, own, ent_county))
        else:
            city, county = _texts(reg, ent_city), _texts(reg, ent_county)
    status = pa.DictionaryArray.from_arrays(
        pa.array(rows.st.astype(np.int32)), pa.array(list(STATUS))
    ).cast(pa.string())
    split = [pa.nulls(n, MONEY)] * 3
    if rows.split is not None:
        at, province, city_part, county_part = rows.split
        for k, part in enumerate((province, city_part, county_part)):
            full = np.zeros(n, np.int64)
            full[at] = part
            null = np.ones(n, np.bool_)
            null[at] = False
            split[k] = _decimal(full, null, 2)
    columns = [
        reg.eids.take(pa.array(rows.ent)),
        _repeat(item.id, n),
        pa.array(rows.idx.astype(np.int32)),
        record_id,
        project_key,
        city,
        county,
        status,
        _decimal(rows.amt, rows.amt_null, 2),
        _decimal(rows.mn, rows.mn_null, 2),
        _decimal(rows.mx, rows.mx_null, 2),
        _miss_column(rows),
        _why_column(rows),
        _caps_column(rows),
        *split,
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def results_table(
    con: duckdb.DuckDBPyConnection,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str] | None = None,
    reg: ColumnarRegistry | None = None,
) -> tuple[pa.Table, VectorRun]:
    """The finished results of every SQL-evaluable item: vectorised where possible, else SQL."""
    from jinshu.matching.batch import run_rules

    chosen = [i.id for i in policy.items.values() if _in_sql(i)]
    if items is not None:
        chosen = [i for i in chosen if i in items]
    try:
        reg = reg if reg is not None else registry_from_connection(con)
        run = run_vector(reg, policy, year, constants, items)
    except Unsupported as exc:
        reg, run = None, VectorRun(sql={i: f"registry: {exc}" for i in chosen})
    parts = [to_arrow(reg, rows) for rows in run.rows.values()] if reg is not None else []
    if run.sql:
        final = run_rules(con, policy, year, constants, list(run.sql))
        sql = con.sql(final).to_arrow_table()
        parts.append(sql.select(SCHEMA.names).cast(SCHEMA))
    if not parts:
        return SCHEMA.empty_table(), run
    return pa.concat_tables(parts), run


def evaluate_connection_vector(
    policy: PolicySet,
    con: duckdb.DuckDBPyConnection,
    year: int,
    parameters: Mapping[str, Any] | None = None,
    cases: Mapping[str, Case] | None = None,
    items: Collection[str] | None = None,
) -> dict[str, CaseResult]:
    """:func:`jinshu.matching.batch.evaluate_connection` on the vectorised backend."""
    from jinshu.matching.batch import case_results, constants_for
    from jinshu.matching.engines import as_engine

    constants = constants_for(policy, year, parameters)
    table, _ = results_table(con, policy, year, constants, items)
    return case_results(policy, as_engine(con), year, constants, table.to_pylist(), cases, items)
