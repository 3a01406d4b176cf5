"""Compile checked rule expressions into vectorised numpy operations, exact to the last digit.

The third backend evaluates the same checked sqlglot trees as :mod:`jinshu.rules.pycompile` and
:mod:`jinshu.rules.plan`, over whole columns at once. No float ever holds a number:

* a number is a **scaled integer** (:class:`Num`): an int64 array ``v`` and a decimal scale
  ``s``, the value being ``v / 10**s``. Every value also carries bounds (the least and greatest
  ``v`` it can hold, as Python ints) computed from the loaded columns' own bounds and the
  parameters; an operation whose bounds would leave int64 raises :class:`Unsupported` before it
  runs, and the item falls back to the SQL backend. Sums and differences are exact; a product is
  exact at scale ``s1 + s2`` and is rounded half away from zero to :data:`~jinshu.money.SCALE`
  (12) places only beyond that, as :func:`jinshu.money.quantize` and ``CAST(... AS DECIMAL(38,
  12))`` do.
* a quotient is a **two-limb fixed-point number** (:class:`Wide`): ``h + l / 10**12`` with
  ``0 <= l < 10**12``, computed by long division in int64 chunks and rounded half away from zero
  at the 12th place, like the SQL backend's exact 128-bit division.
* booleans carry SQL's three-valued logic (:class:`Bool`: a value and a NULL mask), dates are
  int days since 1970-01-01 (:class:`Date`), text is a code in the registry's string dictionary
  (:class:`Str`). A NULL of no type yet (a repealed parameter) is :class:`Nul`.

NULL propagates through arithmetic and comparisons, AND / OR are three-valued, CASE falls through
on NULL, LEAST and GREATEST are NULL if any argument is, a division by zero is NULL: the semantics
of the other two backends.

>>> class Env:
...     def lookup(self, name):
...         return {"a": Num(np.array([150, 7, 0]), 2, 0, 150, np.array([False, False, True]))}[name]
...     def code(self, text):
...         return -2
>>> from jinshu.rules.check import check_rule
>>> x = evaluate(check_rule("least(a * 0.3, 0.4) / 3", {"a"}), Env())
>>> [str(d) for d in decimals(x)]
['0.133333333333', '0.007000000000', 'None']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlglot import exp

from jinshu.money import CONTEXT, SCALE

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]
Ints = I64 | int
Bools = BoolArr | bool
#: a NULL mask: None (never NULL), True (always NULL), or a bool array
Nulls = BoolArr | bool | None

INT64_MAX = 2**63 - 1
#: the base of :class:`Wide`'s fraction limb
LIMB = 10**SCALE
EPOCH = dt.date(1970, 1, 1)


class Unsupported(Exception):
    """A construct, or a magnitude, the vectorised backend cannot evaluate exactly."""


def _fits(lo: int, hi: int, what: str) -> None:
    if lo < -INT64_MAX or hi > INT64_MAX:
        raise Unsupported(f"{what}: values up to {max(-lo, hi)} do not fit in 64 bits")


# --- NULL masks and scalars ---------------------------------------------------------------------


def nulls(*masks: Nulls) -> Nulls:
    """The union of NULL masks (None when none can be NULL)."""
    out: Nulls = None
    for m in masks:
        if m is None or m is False:
            continue
        if m is True:
            return True
        out = m if out is None else (out | m)
    return out


def take(x: Any, idx: Any) -> Any:
    """``x[idx]`` for an array; a scalar (or None) stays as it is."""
    return x[idx] if isinstance(x, np.ndarray) else x


def _bool(x: Any) -> Bools:
    return bool(x) if isinstance(x, bool | np.bool_) else x


def _not(x: Bools) -> Bools:
    return (not x) if isinstance(x, bool) else ~x


def mask_of(m: Nulls) -> Bools:
    """A NULL mask as bools (None becomes False)."""
    return False if m is None else m


def _mask(m: Bools) -> Nulls:
    if m is False:
        return None
    if isinstance(m, np.ndarray) and not m.any():
        return None
    return m


def _pick(cond: Bools, x: Any, y: Any) -> Any:
    if isinstance(cond, bool):
        return x if cond else y
    return np.where(cond, x, y)


# --- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """An exact decimal column: ``v / 10**scale``; every ``v`` (NULL slots too) is in [lo, hi]."""

    v: Ints
    scale: int
    lo: int
    hi: int
    null: Nulls = None

    def take(self, idx: Any) -> Num:
        return Num(take(self.v, idx), self.scale, self.lo, self.hi, take(self.null, idx))


@dataclass(frozen=True)
class Wide:
    """A quotient: ``h + l / 10**12`` with ``0 <= l < 10**12``; every ``h`` is in [lo, hi]."""

    h: Ints
    l: Ints  # noqa: E741
    lo: int
    hi: int
    null: Nulls = None

    def take(self, idx: Any) -> Wide:
        return Wide(take(self.h, idx), take(self.l, idx), self.lo, self.hi, take(self.null, idx))


@dataclass(frozen=True)
class Bool:
    """A three-valued boolean: ``t`` is the value where not NULL (and False where NULL)."""

    t: Bools
    null: Nulls = None

    def take(self, idx: Any) -> Bool:
        return Bool(take(self.t, idx), take(self.null, idx))

    @property
    def true(self) -> Bools:
        """Where the value IS TRUE."""
        return self.t

    @property
    def false(self) -> Bools:
        """Where the value IS FALSE."""
        if self.null is None:
            return _not(self.t)
        if self.null is True:
            return False
        out: BoolArr = np.logical_not(np.logical_or(self.t, self.null))
        return out


@dataclass(frozen=True)
class Date:
    """Days since 1970-01-01; every ``v`` (NULL slots too) is in [lo, hi]."""

    v: Ints
    lo: int
    hi: int
    null: Nulls = None

    def take(self, idx: Any) -> Date:
        return Date(take(self.v, idx), self.lo, self.hi, take(self.null, idx))


@dataclass(frozen=True)
class Str:
    """Text as a code of the registry's string dictionary (-1 where NULL, -2: in no row)."""

    code: Ints
    null: Nulls = None

    def take(self, idx: Any) -> Str:
        return Str(take(self.code, idx), take(self.null, idx))


@dataclass(frozen=True)
class Nul:
    """A NULL whose type is given by its neighbours (a repealed parameter, ``NULL``)."""

    def take(self, idx: Any) -> Nul:
        return self


Value = Num | Wide | Bool | Date | Str | Nul


def null_of(v: Value) -> Nulls:
    return True if isinstance(v, Nul) else v.null


def _null_like(kind: type, v: Nul | Value) -> Value:
    """A Nul as an all-NULL value of ``kind``."""
    if not isinstance(v, Nul):
        return v
    if kind is Num:
        return Num(0, 0, 0, 0, True)
    if kind is Wide:
        return Wide(0, 0, 0, 0, True)
    if kind is Bool:
        return Bool(False, True)
    if kind is Date:
        return Date(0, 0, 0, True)
    if kind is Str:
        return Str(-1, True)
    return v


# --- constants ----------------------------------------------------------------------------------


def decimal_num(d: Decimal | int) -> Num:
    """An exact constant at its smallest scale (at most 12 places)."""
    d = Decimal(d)
    if not d.is_finite():
        raise Unsupported(f"{d} is not a finite number")
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    v = int(d.scaleb(scale))
    while scale > 0 and v % 10 == 0:
        v //= 10
        scale -= 1
    if scale > SCALE:
        raise Unsupported(f"{d} has more than {SCALE} decimal places")
    _fits(v, v, str(d))
    return Num(v, scale, v, v)


def constant(value: Any, code: Any) -> Value:
    """A parameter or built-in as a value (``code`` maps text to the string dictionary)."""
    if value is None:
        return Nul()
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, Decimal | int):
        return decimal_num(value)
    if isinstance(value, dt.date):
        days = (value - EPOCH).days
        return Date(days, days, days)
    if isinstance(value, str):
        return Str(int(code(value)))
    raise Unsupported(f"a constant of type {type(value).__name__}")


# --- exact integer kernels ----------------------------------------------------------------------


def _round_int(v: int, d: int) -> int:
    """``v / d`` rounded half away from zero (Python ints, d > 0)."""
    q = (abs(v) * 2 + d) // (2 * d)
    return q if v >= 0 else -q


def rescale(a: Num, scale: int) -> Num:
    """The same value at a larger scale (exact)."""
    if scale == a.scale:
        return a
    assert scale > a.scale
    f = 10 ** (scale - a.scale)
    _fits(a.lo * f, a.hi * f, "rescale")
    return Num(a.v * f, scale, a.lo * f, a.hi * f, a.null)


def round_to(a: Num, scale: int) -> Num:
    """The value rounded half away from zero to ``scale`` places (or rescaled up, exactly)."""
    if scale >= a.scale:
        return rescale(a, scale)
    d = 10 ** (a.scale - scale)
    h = d // 2
    _fits(a.lo - h, a.hi + h, "rounding")
    v = a.v
    if isinstance(v, int):
        q: Ints = _round_int(v, d)
    elif a.lo >= 0:
        q = (v + h) // d
    elif a.hi <= 0:
        q = -((h - v) // d)
    else:
        q = np.where(v >= 0, (v + h) // d, -((h - v) // d))
    return Num(q, scale, _round_int(a.lo, d), _round_int(a.hi, d), a.null)


def _align(a: Num, b: Num) -> tuple[Num, Num]:
    s = max(a.scale, b.scale)
    return rescale(a, s), rescale(b, s)


def widen(a: Num | Wide) -> Wide:
    """A number as a :class:`Wide` (exact)."""
    if isinstance(a, Wide):
        return a
    d = 10**a.scale
    f = 10 ** (SCALE - a.scale)
    return Wide(a.v // d, (a.v % d) * f, a.lo // d, a.hi // d, a.null)


def _normal(h: Ints, l: Ints, lo: int, hi: int, null: Nulls) -> Wide:  # noqa: E741
    """Carry a fraction limb in (-LIMB, 2 * LIMB) into the integer limb."""
    carry = l // LIMB
    return Wide(h + carry, l - carry * LIMB, lo, hi, null)


def _wide_add(a: Wide, b: Wide, sign: int) -> Wide:
    lo = a.lo + (b.lo if sign > 0 else -b.hi) - 1
    hi = a.hi + (b.hi if sign > 0 else -b.lo) + 1
    _fits(lo, hi, "sum")
    if sign > 0:
        return _normal(a.h + b.h, a.l + b.l, lo, hi, nulls(a.null, b.null))
    return _normal(a.h - b.h, a.l - b.l, lo, hi, nulls(a.null, b.null))


def _wide_neg(a: Wide) -> Wide:
    _fits(-a.hi - 1, -a.lo, "negation")
    zero = a.l == 0
    return Wide(_pick(zero, -a.h, -a.h - 1), _pick(zero, 0, LIMB - a.l), -a.hi - 1, -a.lo, a.null)


def _signed(out: Wide, negative: Bools, lo_nonneg: bool) -> Wide:
    """``out`` (a magnitude) negated where ``negative``."""
    if lo_nonneg:
        return out
    neg = _wide_neg(out)
    sign = _bool(negative)
    return Wide(_pick(sign, neg.h, out.h), _pick(sign, neg.l, out.l), -out.hi - 1, out.hi, out.null)


def _magnitude(a: Num | Wide) -> tuple[Ints, Ints | None, Bools]:
    """|a| as an integer part and (for a quotient) its 12-digit fraction; and where a < 0."""
    if isinstance(a, Num):
        v = a.v
        return (abs(v) if isinstance(v, int) else np.abs(v)), None, _bool(v < 0)
    neg = _wide_neg(a)
    below = _bool(a.h < 0)
    return _pick(below, neg.h, a.h), _pick(below, neg.l, a.l), below


def divide(a: Num | Wide, b: Num) -> Wide:
    """``a / b`` to 12 places, half away from zero, exactly; NULL where ``b`` is 0.

    With ``d = |b|`` in its units, the result is ``Q / 10**12`` where ``Q = round(|a| * 10**(12 +
    scale(b)) / d)``, ``|a|`` read as a stream of digits: its integer units (for a number at scale
    ``s``, ``s`` of them are places, so ``e = 12 + scale(b) - s`` digits follow), then for a
    quotient its 12 fraction digits, then zeros. The integer quotient comes first, then the digits
    in chunks small enough that ``remainder * 10**k`` stays in int64, each appended to a two-limb
    accumulator (base 10**12), then the rounding digit (``2 * remainder >= d``) and the sign.
    """
    if isinstance(a, Num):
        e = SCALE + b.scale - a.scale
        nmax = max(abs(a.lo), abs(a.hi))
    else:
        e = SCALE + b.scale
        nmax = max(abs(a.lo), abs(a.hi)) + 1
    if e < 0:
        raise Unsupported("a dividend with more places than the quotient keeps")
    dmax = max(abs(b.lo), abs(b.hi), 1)
    # The least |divisor| that is not zero: 1 unit unless the bounds exclude zero.
    dmin = min(abs(b.lo), abs(b.hi)) if b.lo > 0 or b.hi < 0 else 1
    kmax = len(str(INT64_MAX // (2 * dmax))) - 1
    if kmax < 1:
        raise Unsupported("a divisor too large for exact division in 64 bits")
    top = nmax * 10**e // (dmin * LIMB) + 1
    _fits(-top - 1, top + 1, "quotient")
    zero = b.v == 0
    null = nulls(a.null, b.null, _mask(_bool(zero)))
    n, fraction, a_negative = _magnitude(a)
    d: Ints = abs(b.v) if isinstance(b.v, int) else np.abs(b.v)
    if isinstance(d, int):
        d = d or 1
    elif null is not None:
        d = np.where(d == 0, 1, d)
    scalar = isinstance(n, int) and isinstance(d, int) and not isinstance(fraction, np.ndarray)
    q, r = divmod(n, d) if scalar else np.divmod(n, d)
    h, l = q // LIMB, q % LIMB  # noqa: E741
    left, used = e, 0
    while left > 0:
        k = min(left, kmax, SCALE)
        t = r * 10**k
        if fraction is not None and used < SCALE:
            taken = min(k, SCALE - used)
            t = t + (fraction // 10 ** (SCALE - used - taken)) % 10**taken * 10 ** (k - taken)
            used += taken
        c, r = divmod(t, d) if scalar else np.divmod(t, d)
        keep = 10 ** (SCALE - k)
        h, l = h * 10**k + l // keep, (l % keep) * 10**k + c  # noqa: E741
        left -= k
    l = l + (2 * r >= d)  # noqa: E741
    out = _normal(h, l, 0, top, null)
    negative = _bool(a_negative ^ (b.v < 0))
    return _signed(out, negative, a.lo >= 0 and b.lo >= 0)


#: limbs of exact products: base 10**7, so that a sum of five limb products stays in int64
_B7 = 10**7


def _limbs(a: Num | Wide) -> tuple[list[Ints], int, Bools]:
    """|a| as base-10**7 limbs (least significant first), its scale, and where a < 0."""
    whole, fraction, negative = _magnitude(a)
    limbs = [whole % _B7, whole // _B7 % _B7, whole // _B7**2]
    if fraction is None:
        assert isinstance(a, Num)
        return limbs, a.scale, negative
    # h * 10**12 + l: shift the integer part by 12 digits (one limb and 5 digits).
    low = [fraction % _B7, fraction // _B7]
    shifted = [0, limbs[0] % 100 * 10**5, limbs[0] // 100 + limbs[1] % 100 * 10**5]
    shifted += [limbs[1] // 100 + limbs[2] % 100 * 10**5, limbs[2] // 100]
    out: list[Ints] = [low[0], low[1] + shifted[1], *shifted[2:]]
    return out, SCALE, negative


def _carry(c: list[Ints]) -> list[Ints]:
    out: list[Ints] = []
    carry: Ints = 0
    for x in c:
        t = x + carry
        out.append(t % _B7)
        carry = t // _B7
    out.append(carry)
    return out


def _drop(limbs: list[Ints], digits: int) -> list[Ints]:
    """Limbs of ``floor(P / 10**digits)``."""
    q, r = divmod(digits, 7)
    rest = limbs[q:] or [0]
    if r == 0:
        return rest
    f = 10**r
    return [x // f + (rest[i + 1] % f if i + 1 < len(rest) else 0) * 10 ** (7 - r)
            for i, x in enumerate(rest)]  # fmt: skip


def _low(limbs: list[Ints], digits: int) -> Ints:
    """``P mod 10**digits`` (digits <= 14)."""
    out: Ints = 0
    for k in range(0, digits, 7):
        take = min(7, digits - k)
        out = out + limbs[k // 7] % 10**take * 10**k if k // 7 < len(limbs) else out
    return out


def _value(limbs: list[Ints]) -> Ints:
    """P itself (the caller's bounds prove it fits in int64)."""
    out: Ints = 0
    for k, x in enumerate(limbs[:3]):
        out = out + x * _B7**k
    return out


def multiply_exact(a: Num | Wide, b: Num | Wide) -> Wide:
    """``a * b`` rounded half away from zero to 12 places, whatever the product's size.

    Both magnitudes are split into base-10**7 limbs, multiplied schoolbook (each column a sum of
    at most five products below 10**14) and carried; the digits beyond 12 places are dropped with
    the first of them deciding the rounding; the rest become the two limbs of a :class:`Wide`.
    """
    # Largest magnitudes in units of each operand's last place (10**-12 for a quotient).
    amax = max(abs(a.lo), abs(a.hi)) if isinstance(a, Num) else (max(-a.lo, a.hi) + 1) * LIMB
    bmax = max(abs(b.lo), abs(b.hi)) if isinstance(b, Num) else (max(-b.lo, b.hi) + 1) * LIMB
    sa = a.scale if isinstance(a, Num) else SCALE
    sb = b.scale if isinstance(b, Num) else SCALE
    top = amax * bmax // 10 ** (sa + sb) + 1
    _fits(-top - 1, top + 1, "product")
    x, _, xneg = _limbs(a)
    y, _, yneg = _limbs(b)
    c: list[Ints] = [0] * (len(x) + len(y) - 1)
    for i, xi in enumerate(x):
        for j, yj in enumerate(y):
            c[i + j] = c[i + j] + xi * yj
    digits = _carry(c)
    e = sa + sb - SCALE
    if e >= 0:
        kept = _drop(digits, e)
        frac, whole = _low(kept, SCALE), _value(_drop(kept, SCALE))
        if e > 0:
            frac = frac + (_low(_drop(digits, e - 1), 1) >= 5)
    else:
        frac = _low(digits, SCALE + e) * 10 ** (-e)
        whole = _value(_drop(digits, SCALE + e))
    out = _normal(whole, frac, 0, top, nulls(a.null, b.null))
    negative = _bool(xneg ^ yneg)
    return _signed(out, negative, a.lo >= 0 and b.lo >= 0)


def money(a: Num | Wide) -> Num:
    """``ROUND(a, 2)``: half away from zero to the fen, as an int64 count of fen."""
    if isinstance(a, Num):
        return round_to(a, 2)
    f = 10 ** (SCALE - 2)
    half = f // 2
    _fits(a.lo * 100 - 1, a.hi * 100 + 100, "amount in fen")
    t, u = a.l // f, a.l % f
    up = _pick(_bool(a.h >= 0), u >= half, u > half)
    return Num(a.h * 100 + t + up, 2, a.lo * 100, a.hi * 100 + 100, a.null)


def decimals(a: Num | Wide) -> list[Decimal | None]:
    """The values as Decimals (for tests and explanations; slow)."""
    null = mask_of(a.null)
    if isinstance(a, Num):
        n = len(a.v) if isinstance(a.v, np.ndarray) else 1
        vs = np.broadcast_to(np.asarray(a.v), (n,))
        ns = np.broadcast_to(np.asarray(null), (n,))
        return [
            None if bool(ns[i]) else Decimal(int(vs[i])).scaleb(-a.scale, CONTEXT) for i in range(n)
        ]
    n = len(a.h) if isinstance(a.h, np.ndarray) else 1
    hs = np.broadcast_to(np.asarray(a.h), (n,))
    ls = np.broadcast_to(np.asarray(a.l), (n,))
    ns = np.broadcast_to(np.asarray(null), (n,))
    return [
        None if bool(ns[i]) else Decimal(int(hs[i]) * LIMB + int(ls[i])).scaleb(-SCALE, CONTEXT)
        for i in range(n)
    ]


# --- dates --------------------------------------------------------------------------------------

#: date ranges longer than this are computed without a lookup table
_TABLE_DAYS = 1 << 22


@lru_cache(maxsize=64)
def _year_table(lo: int, hi: int) -> I64:
    days = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _add_years_days(days: I64, n: int) -> I64:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month = m - y.astype("datetime64[M]")
    day = d - m.astype("datetime64[D]")
    start = (y + n).astype("datetime64[M]") + month
    last = (start + 1).astype("datetime64[D]") - 1
    out = np.minimum(start.astype("datetime64[D]") + day, last)
    result: I64 = out.astype(np.int64)
    return result


@lru_cache(maxsize=64)
def _add_years_table(lo: int, hi: int, n: int) -> I64:
    return _add_years_days(np.arange(lo, hi + 1, dtype=np.int64), n)


def year_of(a: Date) -> Num:
    """``year(d)`` as an integer."""
    if isinstance(a.v, int):
        y = (EPOCH + dt.timedelta(days=a.v)).year
        return Num(y, 0, y, y, a.null)
    if a.hi - a.lo < _TABLE_DAYS:
        table = _year_table(a.lo, a.hi)
        v = table[a.v - a.lo]
    else:
        v = a.v.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    lo = (EPOCH + dt.timedelta(days=a.lo)).year
    hi = (EPOCH + dt.timedelta(days=a.hi)).year
    return Num(v, 0, lo, hi, a.null)


def add_years(a: Date, n: Value) -> Date:
    """``add_years(d, n)``: whole years; 29 February falls to 28 February."""
    if isinstance(n, Nul):
        return Date(0, a.lo, a.hi, True)
    if not isinstance(n, Num) or not isinstance(n.v, int) or n.scale != 0:
        raise Unsupported("add_years by anything but a whole constant number of years")
    years = n.v
    lo = (_shift_date(a.lo, years) - 1) if a.lo else 0
    hi = _shift_date(a.hi, years) + 1
    _fits(lo, hi, "date")
    if isinstance(a.v, int):
        v: Ints = _shift_date(a.v, years)
    elif a.hi - a.lo < _TABLE_DAYS:
        v = _add_years_table(a.lo, a.hi, years)[a.v - a.lo]
    else:
        v = _add_years_days(a.v, years)
    return Date(v, min(lo, hi), max(lo, hi), nulls(a.null, n.null))


def _shift_date(days: int, years: int) -> int:
    from jinshu.rules.pycompile import add_years as shift

    try:
        return (shift(EPOCH + dt.timedelta(days=days), years) - EPOCH).days
    except (OverflowError, ValueError) as exc:
        raise Unsupported("a date outside the calendar") from exc


# --- operations ---------------------------------------------------------------------------------


def _bounds_mul(a: Num, b: Num) -> tuple[int, int]:
    corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
    return min(corners), max(corners)


def arith(op: str, a: Value, b: Value) -> Value:
    """``a op b`` for op in + - * /."""
    if isinstance(a, Nul) and isinstance(b, Nul):
        return Nul()
    if isinstance(a, Nul):
        a = _null_like(type(b), a)
    if isinstance(b, Nul):
        b = _null_like(type(a), b)
    if isinstance(a, Date) or isinstance(b, Date):
        raise Unsupported("date arithmetic other than days_between and add_years")
    if not isinstance(a, Num | Wide) or not isinstance(b, Num | Wide):
        raise Unsupported(f"{op} on {type(a).__name__} and {type(b).__name__}")
    null = nulls(a.null, b.null)
    if op in "+-":
        if isinstance(a, Wide) or isinstance(b, Wide):
            return _wide_add(widen(a), widen(b), 1 if op == "+" else -1)
        x, y = _align(a, b)
        if op == "+":
            lo, hi = x.lo + y.lo, x.hi + y.hi
            _fits(lo, hi, "sum")
            return Num(x.v + y.v, x.scale, lo, hi, null)
        lo, hi = x.lo - y.hi, x.hi - y.lo
        _fits(lo, hi, "difference")
        return Num(x.v - y.v, x.scale, lo, hi, null)
    if op == "*":
        if isinstance(a, Num) and isinstance(b, Num):
            try:
                lo, hi = _bounds_mul(a, b)
                _fits(lo, hi, "product")
                product = Num(a.v * b.v, a.scale + b.scale, lo, hi, null)
                return round_to(product, SCALE) if product.scale > SCALE else product
            except Unsupported:
                pass  # beyond 64 bits: the exact product in limbs
        return multiply_exact(a, b)
    if isinstance(b, Wide):
        raise Unsupported("a division by a quotient")
    return divide(a, b)


def negate(a: Value) -> Value:
    if isinstance(a, Nul):
        return a
    if isinstance(a, Num):
        return Num(-a.v, a.scale, -a.hi, -a.lo, a.null)
    if isinstance(a, Wide):
        return _wide_neg(a)
    raise Unsupported(f"negating {type(a).__name__}")


def absolute(a: Value) -> Value:
    if isinstance(a, Nul):
        return a
    if isinstance(a, Num):
        hi = max(abs(a.lo), abs(a.hi))
        lo = 0 if a.lo <= 0 <= a.hi else min(abs(a.lo), abs(a.hi))
        v = abs(a.v) if isinstance(a.v, int) else np.abs(a.v)
        return Num(v, a.scale, lo, hi, a.null)
    if isinstance(a, Wide):
        neg = _wide_neg(a)
        below = _bool(a.h < 0)
        return Wide(
            _pick(below, neg.h, a.h),
            _pick(below, neg.l, a.l),
            0,
            max(abs(a.lo), abs(a.hi)) + 1,
            a.null,
        )
    raise Unsupported(f"abs of {type(a).__name__}")


_OPS: dict[type[exp.Expression], Any] = {
    exp.EQ: np.equal,
    exp.NEQ: np.not_equal,
    exp.GT: np.greater,
    exp.GTE: np.greater_equal,
    exp.LT: np.less,
    exp.LTE: np.less_equal,
}


def _known(t: Any, null: Nulls) -> Bool:
    """A comparison's result: FALSE where NULL, to keep :class:`Bool`'s invariant."""
    t = _bool(t)
    if null is None:
        return Bool(t)
    if null is True:
        return Bool(False, True)
    return Bool(t & ~null, null)


def compare(kind: type[exp.Expression], a: Value, b: Value) -> Bool:
    """A comparison, NULL where either side is NULL."""
    if isinstance(a, Nul) or isinstance(b, Nul):
        return Bool(False, True)
    op = _OPS[kind]
    null = nulls(a.null, b.null)
    if isinstance(a, Num | Wide) and isinstance(b, Num | Wide):
        if isinstance(a, Num) and isinstance(b, Num):
            x, y = _align(a, b)
            return _known(op(x.v, y.v), null)
        wa, wb = widen(a), widen(b)
        if kind is exp.EQ:
            return _known((wa.h == wb.h) & (wa.l == wb.l), null)
        if kind is exp.NEQ:
            return _known((wa.h != wb.h) | (wa.l != wb.l), null)
        higher = op(wa.h, wb.h) & (wa.h != wb.h)
        return _known(higher | ((wa.h == wb.h) & op(wa.l, wb.l)), null)
    if isinstance(a, Date) and isinstance(b, Date):
        return _known(op(a.v, b.v), null)
    if kind in (exp.EQ, exp.NEQ):
        if isinstance(a, Str) and isinstance(b, Str):
            return _known(op(a.code, b.code), null)
        if isinstance(a, Bool) and isinstance(b, Bool):
            return _known(op(a.t, b.t), null)
    raise Unsupported(f"comparing {type(a).__name__} with {type(b).__name__}")


def and_(a: Bool, b: Bool) -> Bool:
    t = _bool(a.t & b.t)
    if a.null is None and b.null is None:
        return Bool(t)
    false = _bool(a.false | b.false)
    return Bool(t, _mask(_not(_bool(t | false))))


def or_(a: Bool, b: Bool) -> Bool:
    t = _bool(a.t | b.t)
    if a.null is None and b.null is None:
        return Bool(t)
    false = _bool(a.false & b.false)
    both = _bool(t | false)
    return Bool(t, _mask(_not(both)))


def not_(a: Bool) -> Bool:
    return Bool(_bool(a.false), a.null)


def as_bool(v: Value) -> Bool:
    if isinstance(v, Nul):
        return Bool(False, True)
    if not isinstance(v, Bool):
        raise Unsupported(f"{type(v).__name__} used as a condition")
    return v


def _unify(values: list[Value]) -> list[Value]:
    """The values in one representation (numbers at one scale, or all as quotients)."""
    kinds = {type(v) for v in values if not isinstance(v, Nul)}
    if not kinds:
        return values
    if kinds <= {Num, Wide}:
        if Wide in kinds:
            return [widen(v) if isinstance(v, Num | Wide) else _null_like(Wide, v) for v in values]
        nums = [v for v in values if isinstance(v, Num)]
        s = max(v.scale for v in nums)
        return [rescale(v, s) if isinstance(v, Num) else _null_like(Num, v) for v in values]
    if len(kinds) > 1:
        raise Unsupported(f"a CASE or COALESCE mixing {sorted(k.__name__ for k in kinds)}")
    kind = kinds.pop()
    return [_null_like(kind, v) for v in values]


def _select(cond: Bools, x: Value, y: Value) -> Value:
    """Where ``cond`` holds ``x``, elsewhere ``y`` (same representation)."""
    null = _mask(_bool(_pick(cond, mask_of(null_of(x)), mask_of(null_of(y)))))
    if isinstance(x, Num) and isinstance(y, Num):
        return Num(_pick(cond, x.v, y.v), x.scale, min(x.lo, y.lo), max(x.hi, y.hi), null)
    if isinstance(x, Wide) and isinstance(y, Wide):
        return Wide(
            _pick(cond, x.h, y.h), _pick(cond, x.l, y.l), min(x.lo, y.lo), max(x.hi, y.hi), null
        )
    if isinstance(x, Bool) and isinstance(y, Bool):
        return Bool(_bool(_pick(cond, x.t, y.t)), null)
    if isinstance(x, Date) and isinstance(y, Date):
        return Date(_pick(cond, x.v, y.v), min(x.lo, y.lo), max(x.hi, y.hi), null)
    if isinstance(x, Str) and isinstance(y, Str):
        return Str(_pick(cond, x.code, y.code), null)
    raise AssertionError((type(x), type(y)))


def case(branches: list[tuple[Bool, Value]], default: Value) -> Value:
    """The first branch whose condition IS TRUE, else the default."""
    values = _unify([v for _, v in branches] + [default])
    out = values[-1]
    for (cond, _), value in zip(reversed(branches), reversed(values[:-1]), strict=True):
        out = _select(cond.true, value, out)
    return out


def coalesce(values: list[Value]) -> Value:
    values = _unify(values)
    out = values[-1]
    for value in reversed(values[:-1]):
        out = _select(_not(mask_of(null_of(value))), value, out)
    return out


def extreme(values: list[Value], least: bool) -> Value:
    """LEAST / GREATEST, NULL if any argument is NULL (as the other backends)."""
    if any(isinstance(v, Nul) for v in values):
        return Nul()
    values = _unify(values)
    out = values[0]
    for value in values[1:]:
        if isinstance(out, Num) and isinstance(value, Num):
            pick = np.minimum if least else np.maximum
            v = pick(out.v, value.v)
            v = int(v) if isinstance(v, np.integer) else v
            out = Num(
                v,
                out.scale,
                min(out.lo, value.lo) if least else max(out.lo, value.lo),
                min(out.hi, value.hi) if least else max(out.hi, value.hi),
                nulls(out.null, value.null),
            )
            continue
        if isinstance(out, Num | Wide) and isinstance(value, Num | Wide):
            below = compare(exp.LT, value, out).t if least else compare(exp.GT, value, out).t
        elif isinstance(out, Date) and isinstance(value, Date):
            below = (value.v < out.v) if least else (value.v > out.v)
        else:
            raise Unsupported(f"LEAST/GREATEST of {type(out).__name__}")
        picked = _select(_bool(below), value, out)
        out = _with_null(picked, nulls(null_of(out), null_of(value)))
    return out


def _with_null(v: Value, null: Nulls) -> Value:
    if isinstance(v, Num):
        return Num(v.v, v.scale, v.lo, v.hi, null)
    if isinstance(v, Wide):
        return Wide(v.h, v.l, v.lo, v.hi, null)
    if isinstance(v, Date):
        return Date(v.v, v.lo, v.hi, null)
    return v


# --- the compiler -------------------------------------------------------------------------------


class Env(Protocol):
    """Where an expression's names come from: steps, then constants, then the row's columns."""

    def lookup(self, name: str) -> Value: ...

    def code(self, text: str) -> int: ...


def evaluate(node: exp.Expression, env: Env) -> Value:
    """The value of a checked expression over every row of ``env`` at once."""
    ev = evaluate
    if isinstance(node, exp.Paren):
        return ev(node.this, env)
    if isinstance(node, exp.Column):
        return env.lookup(node.name)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return Str(env.code(node.this))
        return decimal_num(Decimal(node.this))
    if isinstance(node, exp.Boolean):
        return Bool(bool(node.this))
    if isinstance(node, exp.Null):
        return Nul()
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
        op = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}[type(node)]
        return arith(op, ev(node.this, env), ev(node.expression, env))
    if isinstance(node, exp.Neg):
        return negate(ev(node.this, env))
    if isinstance(node, exp.Abs):
        return absolute(ev(node.this, env))
    if type(node) in _OPS:
        return compare(type(node), ev(node.this, env), ev(node.expression, env))
    if isinstance(node, exp.And):
        return and_(as_bool(ev(node.this, env)), as_bool(ev(node.expression, env)))
    if isinstance(node, exp.Or):
        return or_(as_bool(ev(node.this, env)), as_bool(ev(node.expression, env)))
    if isinstance(node, exp.Not):
        return not_(as_bool(ev(node.this, env)))
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            raise Unsupported(f"IS {node.expression.sql()}")
        null = null_of(ev(node.this, env))
        return Bool(_bool(mask_of(null)))
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise Unsupported("IN over anything but a list")
        subject = ev(node.this, env)
        out: Bool | None = None
        for option in node.expressions:
            eq = compare(exp.EQ, subject, ev(option, env))
            out = eq if out is None else or_(out, eq)
        return out if out is not None else Bool(False)
    if isinstance(node, exp.Between):
        subject = ev(node.this, env)
        low = compare(exp.GTE, subject, ev(node.args["low"], env))
        return and_(low, compare(exp.LTE, subject, ev(node.args["high"], env)))
    if isinstance(node, exp.Case):
        operand = ev(node.this, env) if node.args.get("this") else None
        branches: list[tuple[Bool, Value]] = []
        for branch in node.args.get("ifs") or []:
            test = ev(branch.this, env)
            cond = compare(exp.EQ, operand, test) if operand is not None else as_bool(test)
            branches.append((cond, ev(branch.args["true"], env)))
        default = node.args.get("default")
        return case(branches, ev(default, env) if default is not None else Nul())
    if isinstance(node, exp.If):
        cond = as_bool(ev(node.this, env))
        other = node.args.get("false")
        return case([(cond, ev(node.args["true"], env))], ev(other, env) if other else Nul())
    if isinstance(node, exp.Coalesce):
        return coalesce([ev(node.this, env), *(ev(e, env) for e in node.expressions)])
    if isinstance(node, exp.Least | exp.Greatest):
        args = [ev(node.this, env), *(ev(e, env) for e in node.expressions)]
        return extreme(args, isinstance(node, exp.Least))
    if isinstance(node, exp.Year):
        d = ev(node.this, env)
        if isinstance(d, Nul):
            return d
        if not isinstance(d, Date):
            raise Unsupported(f"year() of {type(d).__name__}")
        return year_of(d)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        first, second = (ev(e, env) for e in node.expressions)
        if name == "days_between":
            if isinstance(first, Nul) or isinstance(second, Nul):
                return Nul()
            if not isinstance(first, Date) or not isinstance(second, Date):
                raise Unsupported("days_between of anything but dates")
            lo, hi = second.lo - first.hi, second.hi - first.lo
            return Num(second.v - first.v, 0, lo, hi, nulls(first.null, second.null))
        if name == "add_years":
            if isinstance(first, Nul):
                return first
            if not isinstance(first, Date):
                raise Unsupported("add_years of anything but a date")
            return add_years(first, second)
    raise Unsupported(f"the construct {type(node).__name__}")
