"""The registry tables as numpy columns, the input of the vectorised backend (``load_registry``).

Each table of :mod:`jinshu.matching.tables` becomes arrays: every row knows its applicant's
position (``ent``) in ``enterprises``; money and quantities become int64 at the smallest decimal
scale that holds every value of the column exactly (a column that does not fit in 64 bits is
marked, and any item reading it falls back to SQL); dates become int days since 1970-01-01;
every text is a code in one string dictionary shared by all tables, so that a record's key and a
history entry's key compare as integers. Records are kept in the order ``(ent, idx)``: the order
in which each applicant's records are paid. NULL slots hold the column's least value, so that
every slot lies inside the column's bounds.

>>> import pyarrow as pa
>>> s = Strings()
>>> s.encode(pa.array(["a", None, "b", "a"])).tolist(), s.code("b"), s.code("zz")
([0, -1, 1, 0], 1, -2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jinshu.facts.schema import RECORD_KINDS
from jinshu.rules.scope import ENTERPRISE_NAMES
from jinshu.rules.vector import (
    I64,
    Bool,
    Date,
    Num,
    Str,
    Unsupported,
    Value,
    take,
)

U64 = npt.NDArray[np.uint64]
_MASK32 = np.uint64(0xFFFFFFFF)
_SIGN = np.uint64(1 << 63)


class Strings:
    """One dictionary of every text in the registry: equal texts have equal codes."""

    def __init__(self) -> None:
        self.words: pa.Array = pa.array([], pa.string())
        self._codes: dict[str, int] = {}

    @property
    def size(self) -> int:
        return len(self.words)

    def encode_all(self, arrays: list[pa.Array]) -> list[npt.NDArray[np.int64]]:
        """Codes of text columns, all at once (-1 where NULL); the dictionary is rebuilt."""
        arrays = [a.cast(pa.string()) if not pa.types.is_string(a.type) else a for a in arrays]
        if not arrays:
            return []
        # The known words first, so that their codes stay as they are.
        enc = pc.dictionary_encode(pa.chunked_array([self.words, *arrays], type=pa.string()))
        if enc.num_chunks:
            self.words = enc.chunks[-1].dictionary
        self._codes = {}
        parts = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in enc.chunks]
        codes = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        # The codes of the known words come first; then each array's, in order.
        ends = np.cumsum([len(a) for a in arrays])
        start = len(codes) - int(ends[-1])
        return np.split(codes[start:], ends[:-1])

    def encode(self, arr: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int64]:
        """Codes of one text column (-1 where NULL)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return self.encode_all([arr])[0]

    def code(self, text: str) -> int:
        """The code of a text (-2: no row holds it, so it equals nothing)."""
        found = self._codes.get(text)
        if found is None:
            at = pc.index(self.words, pa.scalar(text, pa.string())).as_py()
            found = self._codes[text] = -2 if at < 0 else at
        return found

    def texts(self, codes: npt.NDArray[np.int64]) -> pa.Array:
        """The texts of codes (NULL for -1)."""
        valid = codes >= 0
        return self.words.take(pa.array(np.where(valid, codes, 0), mask=~valid))


@dataclass
class Column:
    """One column: ``num`` (``v / 10**scale``), ``bool``, ``date`` (days) or ``str`` (codes)."""

    kind: str
    v: np.ndarray
    null: npt.NDArray[np.bool_] | None
    scale: int = 0
    lo: int = 0
    hi: int = 0
    problem: str | None = None

    def value(self, idx: Any = None) -> Value:
        """The column as a vector value, rows ``idx`` (None: every row)."""
        if self.problem is not None:
            raise Unsupported(self.problem)
        v = self.v if idx is None else self.v[idx]
        null = None if self.null is None else (self.null if idx is None else self.null[idx])
        if self.kind == "num":
            return Num(v, self.scale, self.lo, self.hi, null)
        if self.kind == "bool":
            return Bool(v, null)
        if self.kind == "date":
            return Date(v, self.lo, self.hi, null)
        return Str(v, null)

    def take(self, idx: Any) -> Column:
        return Column(
            self.kind, self.v[idx], take(self.null, idx), self.scale, self.lo, self.hi, self.problem
        )


@dataclass
class Table:
    """A table's rows: their applicant (``ent``) and columns.

    Attributes:
        ent: each row's position in ``enterprises``.
        ent_identity: ``ent`` is 0, 1, 2…: one row for each applicant, in their order.
        ent_unique: ``ent`` strictly increases: at most one row per applicant.
        per_ent: the most rows any one applicant has.
    """

    n: int
    ent: I64
    columns: dict[str, Column]
    ent_identity: bool = False
    ent_unique: bool = False
    per_ent: int = 0
    _text: Mapping[str, pa.Array] = field(default_factory=dict)


def _null_mask(arr: pa.Array) -> npt.NDArray[np.bool_] | None:
    if arr.null_count == 0:
        return None
    return arr.is_null().to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def _bounds(v: np.ndarray, null: npt.NDArray[np.bool_] | None) -> tuple[int, int, np.ndarray]:
    """The least and greatest value; NULL slots filled with the least."""
    if null is None:
        if v.size == 0:
            return 0, 0, v
        return int(v.min()), int(v.max()), v
    valid = v[~null]
    if valid.size == 0:
        return 0, 0, np.zeros_like(v)
    lo, hi = int(valid.min()), int(valid.max())
    return lo, hi, np.where(null, lo, v)


def _exact_div_pow10(lo: U64, hi: U64, k: int) -> tuple[npt.NDArray[np.bool_], U64]:
    """``(hi * 2**64 + lo) / 10**k`` where exact and below 2**63; and where it is."""
    if k == 0:
        return (hi == 0) & (lo < _SIGN), lo
    two = (lo & np.uint64((1 << k) - 1)) == 0
    y = (lo >> np.uint64(k)) | (hi << np.uint64(64 - k))
    yh = hi >> np.uint64(k)
    m = 5**k
    q = y * np.uint64(pow(m, -1, 1 << 64))  # the exact quotient when 5**k divides y
    mm = np.uint64(m)
    t = (q & _MASK32) * mm
    u = (q >> np.uint64(32)) * mm + (t >> np.uint64(32))
    product_lo = (u << np.uint64(32)) | (t & _MASK32)
    product_hi = u >> np.uint64(32)
    ok = two & (q < _SIGN) & (product_lo == y) & (product_hi == yh)
    return ok, q


def _decimal_column(arr: pa.Array) -> Column:
    """A decimal128 column as int64 at its smallest exact scale."""
    scale = arr.type.scale
    n = len(arr)
    null = _null_mask(arr)
    words = np.frombuffer(arr.buffers()[1], dtype=np.uint64)
    words = words[2 * arr.offset : 2 * (arr.offset + n)].reshape(n, 2)
    lo, hi = words[:, 0].copy(), words[:, 1].copy()
    if null is not None:
        lo[null] = 0
        hi[null] = 0
    negative = hi.view(np.int64) < 0
    any_negative = bool(negative.any())
    if any_negative:
        nlo = ~lo + np.uint64(1)
        nhi = ~hi + (nlo == 0).astype(np.uint64)
        lo, hi = np.where(negative, nlo, lo), np.where(negative, nhi, hi)
    sample = [d for d in arr.slice(0, 1000).to_pylist() if d is not None]
    start = 0
    for d in sample:
        exponent = Decimal(d).normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        start = max(start, -exponent)
    for s in range(min(start, scale), scale + 1):
        ok, q = _exact_div_pow10(lo, hi, scale - s)
        if bool(ok.all()):
            v = q.view(np.int64)
            if any_negative:
                v = np.where(negative, -v, v)
            low, high, v = _bounds(v, null)
            return Column("num", v, null, s, low, high)
    return Column(
        "num", np.zeros(n, np.int64), null, problem="a value that needs more than 64 bits"
    )


def _column(arr: pa.Array | pa.ChunkedArray, pending: list[tuple[Column, pa.Array]]) -> Column:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    null = _null_mask(arr)
    if pa.types.is_decimal(t):
        return _decimal_column(arr)
    if pa.types.is_boolean(t):
        v = arr.fill_null(False).to_numpy(zero_copy_only=False)
        return Column("bool", v, null)
    if pa.types.is_date32(t):
        days = arr.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        lo, hi, days = _bounds(days, null)
        return Column("date", days, null, 0, lo, hi)
    if pa.types.is_integer(t):
        ints = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        lo, hi, ints = _bounds(ints, null)
        return Column("num", ints, null, 0, lo, hi)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
        # Encoded later, with every other text column, in one pass (``_encode_texts``).
        column = Column("str", np.zeros(0, np.int64), null)
        pending.append((column, arr))
        return column
    raise Unsupported(f"a column of type {t}")


@dataclass
class ColumnarRegistry:
    """Every registry table as columns; see the module's docstring."""

    eids: pa.Array
    enterprises: Table
    years: Table
    history: Table
    records: dict[str, Table]
    strings: Strings

    @property
    def n_ent(self) -> int:
        return self.enterprises.n


def _ent_of(eids: pa.Array, table_eids: pa.Array) -> I64:
    if len(table_eids) == 0:
        return np.zeros(0, np.int64)
    if table_eids.equals(eids):
        return np.arange(len(eids), dtype=np.int64)
    pos = pc.index_in(table_eids, value_set=eids)
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)  # type: ignore[no-any-return]


def _table(
    data: pa.Table,
    eids: pa.Array,
    pending: list[tuple[Column, pa.Array]],
    skip: tuple[str, ...] = ("eid",),
) -> Table:
    ent = _ent_of(eids, data.column("eid").combine_chunks())
    n_ent = len(eids)
    keep = ent >= 0
    if not keep.all():
        data = data.filter(pa.array(keep))
        ent = ent[keep]
    order = None
    if "idx" in data.column_names and len(ent) > 1:
        idx = data.column("idx").combine_chunks().fill_null(0).to_numpy(zero_copy_only=False)
        d_ent, d_idx = np.diff(ent), np.diff(idx)
        if not bool(((d_ent > 0) | ((d_ent == 0) & (d_idx > 0))).all()):
            order = np.lexsort((idx, ent))
    elif len(ent) > 1 and not bool((np.diff(ent) >= 0).all()):
        order = np.argsort(ent, kind="stable")
    if order is not None:
        data = data.take(pa.array(order))
        ent = ent[order]
    columns = {
        name: _column(data.column(name), pending) for name in data.column_names if name not in skip
    }
    n = len(ent)
    unique = n == 0 or bool((np.diff(ent) > 0).all())
    identity = n == n_ent and unique and (n == 0 or (int(ent[0]) == 0 and int(ent[-1]) == n - 1))
    per_ent = 0 if n == 0 else (1 if unique else int(np.bincount(ent, minlength=1).max()))
    return Table(n, ent, columns, identity, unique, per_ent)


def load_registry(tables: Mapping[str, pa.Table]) -> ColumnarRegistry:
    """The registry tables (Arrow, as :func:`jinshu.matching.tables.case_tables` makes them)."""
    ents = tables["enterprises"]
    eids = ents.column("eid").combine_chunks()
    if eids.null_count or pc.count_distinct(eids).as_py() != len(eids):
        raise Unsupported("enterprise ids that are missing or not unique")
    wanted = {"eid", *ENTERPRISE_NAMES, *(c for c in ents.column_names if c.startswith("kind_"))}
    ents = ents.select([c for c in ents.column_names if c in wanted])
    pending: list[tuple[Column, pa.Array]] = []
    enterprises = _table(ents, eids, pending)
    records = {}
    for kind in RECORD_KINDS:
        name = f"records_{kind}"
        if name in tables:
            records[kind] = _table(tables[name], eids, pending)
    years = _table(tables["years"], eids, pending)
    history = _table(tables["history"], eids, pending)
    strings = Strings()
    for (column, _), codes in zip(
        pending, strings.encode_all([a for _, a in pending]), strict=True
    ):
        column.v = codes
    return ColumnarRegistry(eids, enterprises, years, history, records, strings)


def registry_from_connection(con: duckdb.DuckDBPyConnection) -> ColumnarRegistry:
    """Load the registry tables held (or registered) on a DuckDB connection."""
    names = ["enterprises", "years", "history", *(f"records_{k}" for k in RECORD_KINDS)]
    con.execute("SELECT 1").fetchall()  # let go of a result the caller left unfinished
    tables = {}
    for name in names:
        try:
            tables[name] = con.sql(f"SELECT * FROM {name}").to_arrow_table()
        except duckdb.CatalogException:
            continue
    return load_registry(tables)
