"""Money: the only way to make an amount.

Every amount is a :class:`decimal.Decimal` built with :func:`D`; never a float. Intermediate
results keep :data:`SCALE` decimal places (the same in every backend, so the SQL and Python paths
agree to the last digit); :func:`round_fen` rounds half-up to 0.01 yuan, and only where a clause pays.

>>> round_fen(D("0.125"))
Decimal('0.13')
>>> fmt(D("1200"))
'1200.00'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
FEN = Decimal("0.01")
SCALE = 12
_QUANTUM = Decimal(1).scaleb(-SCALE)
# Wide enough that no product or quotient of two amounts loses a digit before quantising.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


def D(value: object) -> Decimal:
    """Build a Decimal from an int, a decimal string or a Decimal; floats are refused."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"money must not be built from {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
        if not d.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return d
    raise TypeError(f"cannot make money from {type(value).__name__}: {value!r}")


def quantize(value: Decimal) -> Decimal:
    """Keep SCALE decimal places, half-up: the precision of every intermediate step."""
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT)


def round_fen(value: Decimal | int) -> Decimal:
    """Round half-up to 0.01 yuan (分)."""
    return D(value).quantize(FEN, rounding=ROUND_HALF_UP, context=CONTEXT)


def fmt(value: Decimal | None) -> str | None:
    """Format an amount as a string with exactly two decimals (None stays None)."""
    if value is None:
        return None
    return f"{round_fen(value):.2f}"
