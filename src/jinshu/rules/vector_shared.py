"""Decide statuses and apply the shared rules on columns: the vectorised :mod:`plan_decide`.

The same passes as :mod:`jinshu.rules.plan_decide` and :mod:`jinshu.rules.plan_cross`, stage for
stage, as numpy group operations over an item's rows (:class:`ItemRows`, kept in the order
``(applicant, record index)``): decide, first reaching, one-time (any earlier entry; history; the
first record claims), at most N years, each cap as an exclusive running sum over the applicant's
payable rows of a group, a ceiling that comes to zero; then the rules across items and clause 1's
split. Amounts are int64 fen; a cap's limit, use and cut keep the exact scale of their operands.

Reasons are kept as codes, like the SQL backend's: ``why`` indexes :data:`WHY` (or, for
:data:`W_FAILED`, the bits of ``fails`` name the conditions that are FALSE), and ``extra`` the one
code a later stage may append (a result is refused at most once: every refusal needs a live row).
Missing facts are bits of ``miss`` over the item's ordered ``labels`` (a label may sit at several
positions: the list is the distinct labels in position order, as SQL's ``list_distinct`` of the
concatenated lists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlglot import exp

from jinshu.rules.policyset import Item
from jinshu.rules.spec import CrossItemSpec, OneTimeSpec
from jinshu.rules.vector import (
    I64,
    Bool,
    Date,
    Nul,
    Num,
    Str,
    Unsupported,
    Value,
    arith,
    case,
    coalesce,
    compare,
    constant,
    extreme,
    mask_of,
    money,
    null_of,
    rescale,
    round_to,
    year_of,
)

BoolArr = npt.NDArray[np.bool_]
INELIGIBLE, ELIGIBLE, REVIEW = 0, 1, 2
STATUS = ("ineligible", "eligible", "needs_review")
WHY: tuple[tuple[str, ...] | None, ...] = (
    (),
    ("review:note",),
    ("zero",),
    ("review:range", "review:note"),
    ("review:range",),
    ("review:case_by_case",),
    ("missing",),
    None,
    ("first_reaching:below",),
    ("first_reaching:not_first",),
    ("first_reaching:previous_year_missing",),
)
(
    W_NONE,
    W_NOTE,
    W_ZERO,
    W_RANGE_NOTE,
    W_RANGE,
    W_CASE,
    W_MISSING,
    W_FAILED,
    W_BELOW,
    W_NOT_FIRST,
    W_PREVIOUS,
) = range(len(WHY))


class RowSource(Protocol):
    """The item's row values the shared rules read (``k_*`` columns of the SQL backend)."""

    def value(self, name: str, rows: I64) -> Value: ...

    def record_ids(self, rows: I64) -> I64: ...

    def code(self, text: str) -> int: ...


@dataclass
class History:
    """The ``history`` table as columns (rows whose applicant is in the registry)."""

    ent: I64
    item: I64
    year: I64
    key: I64
    amount: Num | None
    n_codes: int
    problem: str | None = None

    def rows(self, items: Sequence[int], year: int | None = None, before: int | None = None) -> I64:
        """Rows of the given items (codes), of one year or before one."""
        sel = np.isin(self.item, items) if len(items) != 1 else self.item == items[0]
        if year is not None:
            sel &= self.year == year
        if before is not None:
            sel &= self.year < before
        return np.flatnonzero(sel)


@dataclass
class CapCut:
    """Where one cap cut: the rows, and limit, use and cut at ``scale`` places."""

    cap: str
    rows: I64
    scale: int
    lim: I64
    used: I64
    cut: I64


@dataclass
class ItemRows:
    """An item's rows and what the rules decided for each (money in fen)."""

    item: Item
    n: int
    ent: I64
    idx: I64
    rec: I64 | None
    source: RowSource
    labels: list[str]
    st: npt.NDArray[np.int8]
    amt: I64
    amt_null: BoolArr
    mn: I64
    mn_null: BoolArr
    mx: I64
    mx_null: BoolArr
    fails: npt.NDArray[np.unsignedinteger[Any]]
    miss: npt.NDArray[np.uint64]
    why: npt.NDArray[np.int8]
    extra: npt.NDArray[np.int16]
    refusals: list[str] = field(default_factory=list)
    caps: list[CapCut] = field(default_factory=list)
    split: tuple[I64, I64, I64, I64] | None = None  # rows, province, city, county

    def live(self) -> I64:
        return np.flatnonzero(self.st != INELIGIBLE)

    def refuse(self, rows: I64, code: str | I64, codes: Sequence[str] = ()) -> None:
        """Make rows ineligible, appending a reason code (one code, or per row from ``codes``)."""
        if rows.size == 0:
            return
        self.st[rows] = INELIGIBLE
        self.amt_null[rows] = True
        self.mn_null[rows] = True
        self.mx_null[rows] = True
        if isinstance(code, str):
            self.extra[rows] = self._code(code)
        else:
            ids = np.array([self._code(c) for c in codes], dtype=np.int16)
            self.extra[rows] = ids[code]

    def _code(self, code: str) -> int:
        if code not in self.refusals:
            self.refusals.append(code)
        return self.refusals.index(code) + 1

    def payable_value(self, rows: I64) -> tuple[I64, BoolArr]:
        """``CASE st WHEN 'eligible' THEN amt WHEN 'needs_review' THEN mx END`` (fen, NULL)."""
        eligible = self.st[rows] == ELIGIBLE
        review = self.st[rows] == REVIEW
        value = np.where(eligible, self.amt[rows], self.mx[rows])
        null = np.where(eligible, self.amt_null[rows], self.mx_null[rows]) | ~(eligible | review)
        return value, null


def new_rows(
    item: Item, ent: I64, idx: I64, rec: I64 | None, source: RowSource, n_conditions: int
) -> ItemRows:
    n = len(ent)
    bits = np.uint8 if n_conditions <= 8 else np.uint64
    if n_conditions > 64:
        raise Unsupported("more than 64 conditions")
    return ItemRows(
        item=item,
        n=n,
        ent=ent,
        idx=idx,
        rec=rec,
        source=source,
        labels=[],
        st=np.zeros(n, np.int8),
        amt=np.zeros(n, np.int64),
        amt_null=np.ones(n, np.bool_),
        mn=np.zeros(n, np.int64),
        mn_null=np.ones(n, np.bool_),
        mx=np.zeros(n, np.int64),
        mx_null=np.ones(n, np.bool_),
        fails=np.zeros(n, bits),
        miss=np.zeros(n, np.uint64),
        why=np.full(n, W_FAILED, np.int8),
        extra=np.zeros(n, np.int16),
    )


# --- helpers ------------------------------------------------------------------------------------


def _fen(value: Num | Any, n: int) -> tuple[I64, BoolArr]:
    """A fen value (scale 2) as full arrays of values and NULLs."""
    v = np.broadcast_to(np.asarray(value.v, dtype=np.int64), (n,))
    null = np.broadcast_to(np.asarray(mask_of(value.null), dtype=np.bool_), (n,))
    return v, null


def _as_num(v: Value) -> Num:
    if isinstance(v, Nul):
        return Num(0, 0, 0, 0, True)
    if not isinstance(v, Num):
        raise Unsupported(f"a {type(v).__name__} where money is expected")
    return v


def _money(v: Value) -> Num:
    if isinstance(v, Nul):
        return Num(0, 2, 0, 0, True)
    if isinstance(v, Bool | Date | Str):
        raise Unsupported(f"a {type(v).__name__} paid as money")
    return money(v)


def _firsts(keys: Sequence[I64]) -> BoolArr:
    """Whether each row is the first (in row order) with its combination of keys."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.bool_)
    order = np.lexsort([np.arange(n), *reversed(keys)])
    sorted_keys = [k[order] for k in keys]
    start = np.ones(n, np.bool_)
    same = np.ones(n - 1, np.bool_)
    for k in sorted_keys:
        same &= k[1:] == k[:-1]
    start[1:] = ~same
    out = np.zeros(n, np.bool_)
    out[order] = start
    return out


def _exclusive_running_sum(ent: I64, grp: I64, val: I64) -> I64:
    """Per row, the sum of ``val`` over earlier rows (row order) with the same (ent, grp)."""
    n = len(val)
    if n == 0:
        return val
    if n == 1 or bool((np.diff(ent) > 0).all()):
        return np.zeros(n, np.int64)
    order = np.lexsort((np.arange(n), grp, ent))
    v = val[order]
    total = np.cumsum(v)
    excl = total - v
    e, g = ent[order], grp[order]
    start = np.ones(n, np.bool_)
    start[1:] = (e[1:] != e[:-1]) | (g[1:] != g[:-1])
    group = np.cumsum(start) - 1
    before = excl - excl[np.flatnonzero(start)][group]
    out = np.empty(n, np.int64)
    out[order] = before
    return out


def sum_by(index: I64, values: I64, size: int) -> I64:
    """Exact int64 sums of ``values`` by ``index`` (0 for an index no row has).

    Float bincount is exact while every partial sum stays below 2**53 (then each addition is
    exact), which the bound ``rows * max |value|`` proves; otherwise an int64 ``add.at``.
    """
    if len(values) == 0:
        return np.zeros(size, np.int64)
    top = max(abs(int(values.max())), abs(int(values.min())))
    if top * len(values) < 2**53:
        return np.bincount(index, weights=values, minlength=size).astype(np.int64)
    out = np.zeros(size, np.int64)
    np.add.at(out, index, values)
    return out


def keyed_match(
    h_ent: I64,
    h_key: I64 | None,
    h_amount: I64 | None,
    q_ent: I64,
    q_key: I64 | None,
    n_codes: int,
) -> tuple[BoolArr, I64]:
    """For each query (applicant, key): whether a history row has both, and their amounts' sum.

    Keys are string codes (None: the applicant alone). Only the history rows whose applicant
    and key some query has are kept; those few are grouped (sorted, exact sums) and each query
    finds its group by binary search.
    """
    hit = np.zeros(len(q_ent), np.bool_)
    total = np.zeros(len(q_ent), np.int64)
    if len(h_ent) == 0 or len(q_ent) == 0:
        return hit, total
    amount = h_amount if h_amount is not None else np.zeros(len(h_ent), np.int64)
    if q_key is None or h_key is None:
        q_key = np.zeros(len(q_ent), np.int64)
        h_key = np.zeros(len(h_ent), np.int64)
    size = max(int(q_ent.max()), 0) + 1
    wanted_ent = np.zeros(size + 1, np.bool_)
    wanted_ent[q_ent] = True
    wanted_key = np.zeros(n_codes + 1, np.bool_)
    wanted_key[q_key[q_key >= 0]] = True
    valid_h = (h_key >= 0) & (h_ent < size)
    keep = np.flatnonzero(
        valid_h & wanted_ent[np.where(valid_h, h_ent, size)]
        & wanted_key[np.where(valid_h, h_key, n_codes)]
    )  # fmt: skip
    if keep.size == 0:
        return hit, total
    span = np.int64(n_codes + 1)
    hc = h_ent[keep] * span + h_key[keep]
    uniq, inverse = np.unique(hc, return_inverse=True)
    sums = sum_by(inverse.reshape(-1), amount[keep], len(uniq))
    valid = q_key >= 0
    qc = q_ent * span + np.where(valid, q_key, 0)
    pos = np.minimum(np.searchsorted(uniq, qc), len(uniq) - 1)
    hit = valid & (uniq[pos] == qc)
    total = np.where(hit, sums[pos], 0)
    return hit, total


def _history_amount(history: History, rows: I64) -> tuple[I64, int]:
    a = history.amount
    if a is None:
        raise Unsupported(f"history amounts: {history.problem}")
    v = np.asarray(a.v)[rows] if isinstance(a.v, np.ndarray) else np.full(len(rows), a.v)
    if isinstance(a.null, np.ndarray):
        v = np.where(a.null[rows], 0, v)
    elif a.null is True:
        v = np.zeros(len(rows), np.int64)
    return v.astype(np.int64), a.scale


# --- decide -------------------------------------------------------------------------------------


def decide(
    rows: ItemRows,
    alive: I64,
    noted: BoolArr | bool,
    payout: Mapping[str, Value],
) -> None:
    """:func:`jinshu.rules.plan_decide.decide_stage` on the rows no condition failed."""
    kind = rows.item.spec.payout.kind
    m = len(alive)
    has_miss = rows.miss[alive] != 0
    noted_a = np.broadcast_to(np.asarray(noted, dtype=np.bool_), (m,))
    st = np.empty(m, np.int8)
    why = np.empty(m, np.int8)
    if kind == "fixed":
        a_v, a_null = _fen(_money(payout.get("amount", Nul())), m)
        zero = ~a_null & (a_v == 0)
        st[:] = ELIGIBLE
        why[:] = W_NONE
        st[zero] = INELIGIBLE
        why[zero] = W_ZERO
        st[noted_a] = REVIEW
        why[noted_a] = W_NOTE
        paid = ~noted_a & ~zero & ~a_null
        rows.amt[alive] = np.where(paid, a_v, 0)
        rows.amt_null[alive] = ~paid
        rows.mn[alive] = 0
        rows.mn_null[alive] = ~noted_a
        rows.mx[alive] = a_v
        rows.mx_null[alive] = ~noted_a | a_null
    elif kind in ("ceiling", "range"):
        high = payout.get("max", Nul())
        low: Value = Num(0, 0, 0, 0)
        if "min" in payout:
            low_v = payout["min"]
            low = extreme_coalesce_zero(low_v)
        # DuckDB's LEAST passes over a NULL argument: with no maximum, the minimum is ``low``.
        if isinstance(high, Nul):
            both: Value = low
        else:
            both = extreme([low, high], least=True)
            if null_of(high) is not None:
                both = case([(Bool(mask_of(null_of(high))), low)], both)
        mn_v, mn_null = _fen(_money(both), m)
        mx_v, mx_null = _fen(_money(high), m)
        st[:] = REVIEW
        why[:] = np.where(noted_a, W_RANGE_NOTE, W_RANGE)
        rows.mn[alive], rows.mn_null[alive] = mn_v, mn_null
        rows.mx[alive], rows.mx_null[alive] = mx_v, mx_null
    elif kind == "review":
        st[:] = REVIEW
        why[:] = W_CASE
    elif kind == "first_reaching":
        st[:] = ELIGIBLE
        why[:] = W_NONE
    else:
        raise Unsupported(f"a {kind} payout")
    st[has_miss] = REVIEW
    why[has_miss] = W_MISSING
    rows.st[alive] = st
    rows.why[alive] = why
    gone = alive[has_miss]
    rows.amt_null[gone] = True
    rows.mn_null[gone] = True
    rows.mx_null[gone] = True


def extreme_coalesce_zero(v: Value) -> Value:
    """``COALESCE(v, 0)``."""
    return coalesce([v, Num(0, 0, 0, 0)])


# --- first reaching -----------------------------------------------------------------------------


@dataclass
class EarlierYears:
    """Per applicant: the highest figure before the year, and whether the year before is given."""

    top: Num
    has_prev: BoolArr


def apply_first_reaching(
    rows: ItemRows,
    constants: Mapping[str, Any],
    year: int,
    earlier: EarlierYears,
    history: History,
    history_keys: Mapping[int, Any],
) -> None:
    """:func:`jinshu.rules.plan_decide.first_reaching_stage`."""
    payout = rows.item.spec.payout
    fig = payout.figure or "main_revenue"
    live = rows.live()
    if live.size == 0:
        return
    pairs = []
    for t, r in payout.thresholds:
        tv, rv = constants.get(t), constants.get(r)
        if tv is None or rv is None:
            raise Unsupported("a threshold or reward that is not set")
        pairs.append((constant(tv, rows.source.code), constant(rv, rows.source.code)))
    src = rows.source
    now = _as_num(src.value(fig, live))
    before = _as_num(src.value("max_main_revenue_before", live))
    founded = src.value("founded", live)
    ent = rows.ent[live]
    top = earlier.top.take(ent)
    item_code = src.code(rows.item.id)
    h = history.rows([item_code])
    h = h[history.year[h] <= year]

    now_null = mask_of(now.null)
    reached, first = [], []
    for tv, _ in pairs:
        hit = compare(exp.GTE, now, tv).t
        known = compare(exp.GTE, top, tv).t | compare(exp.GTE, before, tv).t
        t_dec = constant_decimal(tv)
        codes = [c for c, d in history_keys.items() if d is not None and d == t_dec]
        if codes and h.size:
            hk = h[np.isin(history.key[h], codes)]
            has = np.zeros(int(rows.ent.max(initial=0)) + 1, np.bool_)
            has[history.ent[hk][history.ent[hk] <= len(has) - 1]] = True
            known = known | has[ent]
        reached.append(np.asarray(hit, np.bool_))
        first.append(np.asarray(hit, np.bool_) & ~np.asarray(known, np.bool_))
    any_reached = np.logical_or.reduce(reached)
    any_first = np.logical_or.reduce(first)
    if isinstance(founded, Date):
        fy = year_of(founded)
        founded_now = np.asarray(fy.v == year, np.bool_) & ~np.asarray(mask_of(fy.null), np.bool_)
    else:
        founded_now = np.zeros(len(live), np.bool_)
    complete = earlier.has_prev[ent] | ~np.asarray(mask_of(before.null), np.bool_) | founded_now
    rewards = [round_to(_as_num(rv), 2) for _, rv in pairs]
    each = (constants.get("thresholds_in_one_year") or "highest") == "each"
    amount = np.zeros(len(live), np.int64)
    for f, rv in zip(first, rewards, strict=True):
        value = np.where(f, np.int64(int(rv.v)), 0)
        amount = amount + value if each else np.maximum(amount, value)
    known_now = ~np.asarray(now_null, np.bool_)
    pay = known_now & any_first & complete
    st = rows.st[live].copy()
    why = rows.why[live].copy()
    st[~known_now] = REVIEW
    why[~known_now] = W_MISSING
    below = known_now & ~any_reached
    not_first = known_now & any_reached & ~any_first
    incomplete = known_now & any_reached & any_first & ~complete
    st[below | not_first] = INELIGIBLE
    why[below] = W_BELOW
    why[not_first] = W_NOT_FIRST
    st[incomplete] = REVIEW
    why[incomplete] = W_PREVIOUS
    st[pay] = ELIGIBLE
    rows.st[live] = st
    rows.why[live] = why
    rows.amt[live] = np.where(pay, amount, 0)
    rows.amt_null[live] = ~pay
    now_label = f"years.{year}.{fig}"
    prev_label = f"years.{year - 1}.{fig}"
    for label, where in ((now_label, ~known_now), (prev_label, incomplete)):
        if where.any():
            rows.miss[live[where]] = np.uint64(1) << np.uint64(_position(rows, label))


def _position(rows: ItemRows, label: str) -> int:
    rows.labels.append(label)
    if len(rows.labels) > 64:
        raise Unsupported("more than 64 places a missing fact can come from")
    return len(rows.labels) - 1


def constant_decimal(v: Value) -> Any:
    if isinstance(v, Num) and isinstance(v.v, int):
        return Decimal(v.v).scaleb(-v.scale)
    return None


# --- one-time, at most N years ------------------------------------------------------------------


def _keys(rows: ItemRows, key: str, at: I64) -> I64:
    """The rows' one-time or cap key as string codes (0: the applicant; -1: NULL)."""
    if key == "applicant":
        return np.zeros(len(at), np.int64)
    if key == "record":
        return rows.source.record_ids(at)
    v = rows.source.value(key, at)
    if isinstance(v, Nul):
        return np.full(len(at), -1, np.int64)
    if not isinstance(v, Str):
        raise Unsupported(f"a key {key} that is not text")
    return np.broadcast_to(np.asarray(v.code, np.int64), (len(at),))


def apply_one_time(
    rows: ItemRows, spec: OneTimeSpec, year_only: bool, year: int, history: History
) -> None:
    """:func:`jinshu.rules.plan_decide.one_time_stages`."""
    if spec.any_earlier:
        every = np.arange(rows.n)
        keys = _keys(rows, spec.key, every)
        date = rows.source.value("date", every)
        if isinstance(date, Date):
            d = np.broadcast_to(np.asarray(date.v, np.int64), (rows.n,))
            dnull = np.broadcast_to(np.asarray(mask_of(date.null), np.bool_), (rows.n,))
        else:
            d, dnull = np.zeros(rows.n, np.int64), np.ones(rows.n, np.bool_)
        order = np.lexsort((rows.idx, d, dnull, keys, rows.ent))
        first = np.ones(rows.n, np.bool_)
        e, k = rows.ent[order], keys[order]
        first[1:] = (e[1:] != e[:-1]) | (k[1:] != k[:-1])
        later = np.zeros(rows.n, np.bool_)
        later[order] = ~first
        rows.refuse(np.flatnonzero(later & (rows.st != INELIGIBLE)), "one_time:not_first")
    live = rows.live()
    if live.size == 0:
        return
    keys = _keys(rows, spec.key, live)
    ent = rows.ent[live]
    h = history.rows([rows.source.code(rows.item.id)], year=year if year_only else None)
    if spec.key == "applicant":
        has = np.zeros(int(ent.max()) + 1, np.bool_)
        he = history.ent[h]
        has[he[he < len(has)]] = True
        hit = has[ent]
    else:
        hit, _ = keyed_match(history.ent[h], history.key[h], None, ent, keys, history.n_codes)
    claimed = ~_firsts([ent, keys])
    refused = hit | claimed
    code = np.where(hit, 0, 1)
    rows.refuse(live[refused], code[refused], ("one_time:history", "one_time:claimed"))


def apply_at_most_years(rows: ItemRows, years: int, year: int, history: History) -> None:
    live = rows.live()
    if live.size == 0:
        return
    h = history.rows([rows.source.code(rows.item.id)], before=year)
    ent = rows.ent[live]
    counts = np.zeros(int(ent.max()) + 1, np.int64)
    if h.size:
        he, hy = history.ent[h], history.year[h]
        inside = he < len(counts)
        he, hy = he[inside], hy[inside]
        first = _firsts([he, hy])
        np.add.at(counts, he[first], 1)
    rows.refuse(live[counts[ent] >= years], "at_most_years")


# --- caps ---------------------------------------------------------------------------------------


def apply_cap(
    rows: ItemRows, n: int, constants: Mapping[str, Any], year: int, history: History
) -> None:
    """:func:`jinshu.rules.plan_decide.cap_stage`: one cap, in record order within each group."""
    cap = rows.item.spec.caps[n]
    live = rows.live()
    if live.size == 0:
        return
    val, val_null = rows.payable_value(live)
    steps = {s.id for s in rows.item.steps}
    if cap.limit in steps:
        lim = _as_num(rows.source.value(cap.limit, live))
    else:
        lim = _as_num(constant(constants.get(cap.limit), rows.source.code))
    lim_null = np.broadcast_to(np.asarray(mask_of(lim.null), np.bool_), (len(live),))
    payable = ~val_null & ~lim_null
    at = live[payable]
    if at.size == 0:
        return
    m = len(at)
    val = val[payable]
    lim_v = np.broadcast_to(np.asarray(lim.v, np.int64), (len(live),))[payable]
    per = cap.per
    grp = _keys(rows, per, at)
    ent = rows.ent[at]
    h = history.rows([rows.source.code(rows.item.id)], year=year if cap.period == "year" else None)
    h_amount, h_scale = _history_amount(history, h)
    keyed = per != "applicant"
    _, used_v = keyed_match(
        history.ent[h],
        history.key[h] if keyed else None,
        h_amount,
        ent,
        grp if keyed else None,
        history.n_codes,
    )
    before_v = _exclusive_running_sum(ent, grp, val)

    def num(v: I64, scale: int) -> Num:
        return Num(v, scale, int(v.min(initial=0)), int(v.max(initial=0)))

    s = max(lim.scale, h_scale, 2)
    lim_n = rescale(num(lim_v, lim.scale), s)
    used_n = rescale(num(used_v, h_scale), s)
    before_n = rescale(num(before_v, 2), s)
    val_n = rescale(num(val, 2), s)
    room_raw = arith("-", arith("-", lim_n, used_n), before_n)
    assert isinstance(room_raw, Num)
    room = np.maximum(room_raw.v, 0)
    low = min(val_n.lo, 0)
    new = round_to(Num(np.minimum(val_n.v, room), s, low, max(val_n.hi, room_raw.hi, 0)), 2).v
    new = np.broadcast_to(np.asarray(new, np.int64), (m,))
    cut = val_n.v > room
    zero = cut & (new == 0)
    if cut.any():
        spare = np.maximum(lim_n.v - used_n.v, 0)
        rows.caps.append(
            CapCut(
                cap.id,
                at[cut],
                s,
                np.asarray(lim_n.v, np.int64)[cut],
                (used_n.v + np.minimum(before_n.v, spare))[cut],
                (val_n.v - room)[cut],
            )
        )
    st = rows.st[at]
    eligible_cut = cut & ~zero & (st == ELIGIBLE)
    review_cut = cut & ~zero & (st == REVIEW)
    rows.amt[at[eligible_cut]] = new[eligible_cut]
    r = at[review_cut]
    # DuckDB's LEAST passes over a NULL minimum.
    rows.mn[r] = np.where(rows.mn_null[r], new[review_cut], np.minimum(rows.mn[r], new[review_cut]))
    rows.mn_null[r] = False
    rows.mx[r] = new[review_cut]
    rows.refuse(at[zero], f"cap:{cap.id}")


def apply_zero_ceiling(rows: ItemRows) -> None:
    zero = (rows.st == REVIEW) & ~rows.mx_null & (rows.mx == 0)
    rows.refuse(np.flatnonzero(zero), "zero")


# --- rules across items, and the split ----------------------------------------------------------


def apply_cross_item(
    rule: CrossItemSpec, members: Sequence[ItemRows], year: int, history: History, code: Any
) -> None:
    """:func:`jinshu.rules.plan_cross._cross_stages` over the member items' rows."""
    label = f"cross_item:{rule.id}"
    member_codes = [code(i) for i in rule.items]
    h_all = history.rows(member_codes)
    for rows in members:
        live = rows.live()
        if live.size == 0:
            continue
        ent = rows.ent[live]
        if rule.key == "project_key":
            keys = _project_keys(rows, live)
            hit, _ = keyed_match(
                history.ent[h_all], history.key[h_all], None, ent, keys, history.n_codes
            )
        else:
            own = code(rows.item.id)
            h = h_all[(history.year[h_all] == year) & (history.item[h_all] != own)]
            has = np.zeros(int(ent.max()) + 1, np.bool_)
            he = history.ent[h]
            has[he[he < len(has)]] = True
            hit = has[ent]
        rows.refuse(live[hit], label)
    parts = []
    empty = code("")
    for rank, rows in enumerate(members):
        live = rows.live()
        cand = live[~((rows.st[live] == REVIEW) & (rows.miss[live] != 0))]
        if cand.size == 0:
            continue
        if rule.key == "project_key":
            grp = _project_keys(rows, cand)
            grp = np.where(grp < 0, empty, grp)
        else:
            grp = np.zeros(len(cand), np.int64)
        value, null = rows.payable_value(cand)
        value = np.where(null, 0, value)
        own_rank = rule.items.index(rows.item.id)
        parts.append((rank, cand, rows.ent[cand], grp, value, rows.idx[cand], own_rank))
    if not parts:
        return
    owner = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
    row = np.concatenate([p[1] for p in parts])
    ent = np.concatenate([p[2] for p in parts])
    grp = np.concatenate([p[3] for p in parts])
    value = np.concatenate([p[4] for p in parts])
    idx = np.concatenate([p[5] for p in parts])
    item_rank = np.concatenate([np.full(len(p[1]), p[6]) for p in parts])
    if rule.keep == "highest":
        order = np.lexsort((item_rank, idx, -value, grp, ent))
    else:
        order = np.lexsort((idx, item_rank, grp, ent))
    e, g = ent[order], grp[order]
    start = np.ones(len(order), np.bool_)
    start[1:] = (e[1:] != e[:-1]) | (g[1:] != g[:-1])
    loser = np.zeros(len(order), np.bool_)
    loser[order] = ~start
    for rank, rows in enumerate(members):
        mine = loser & (owner == rank)
        rows.refuse(row[mine], label)


def _project_keys(rows: ItemRows, at: I64) -> I64:
    v = rows.source.value("project_key", at)
    if isinstance(v, Str):
        return np.broadcast_to(np.asarray(v.code, np.int64), (len(at),)).copy()
    return np.full(len(at), -1, np.int64)


def apply_split(rows: ItemRows, constants: Mapping[str, Any]) -> None:
    """Clause 1's split of eligible amounts: province and city rounded, the county the rest."""
    spec = rows.item.spec.split
    if spec is None:
        return
    paid = np.flatnonzero((rows.st == ELIGIBLE) & ~rows.amt_null)
    amt = rows.amt[paid]
    amount = Num(amt, 2, int(amt.min(initial=0)), int(amt.max(initial=0)))
    parts = []
    for name in (spec.province, spec.city):
        share = constants.get(name)
        if share is None:
            raise Unsupported(f"a split share {name} that is not set")
        part = arith("*", amount, constant(share, rows.source.code))
        assert isinstance(part, Num)
        rounded = round_to(part, 2)
        parts.append(np.broadcast_to(np.asarray(rounded.v, np.int64), (len(paid),)))
    province, city = parts
    rows.split = (paid, province, city, amt - province - city)


def bool_of(v: Value, n: int) -> BoolArr:
    """Where a condition IS TRUE, as a full array."""
    if isinstance(v, Nul):
        return np.zeros(n, np.bool_)
    if not isinstance(v, Bool):
        raise Unsupported(f"a {type(v).__name__} used as a condition")
    return np.broadcast_to(np.asarray(v.t, np.bool_), (n,))
