"""The benchmark "floor": three jinshu rules as plain vectorised numpy, exact to the fen.

The registry is columnar: one record of each kind (data centre, lease, contract) per enterprise,
N enterprises, every column a numpy array of length N.

Units of the input columns (all int64 unless boolean):

* money (``electricity_fee_paid``, ``annual_rent``, ``contract_amount``, ``completed_amount``,
  ``project_history``, ``year_history``): fen (0.01 yuan);
* ``electricity_kwh``: milli-kWh (0.001 kWh);
* ``area``: centi-m² (0.01 m²);
* conditions (``scale_large``, ``packaged_base``, ``market_trading``, ``big_data``, ``startup``,
  ``government_built``, ``within_window``, ``won_by_tender``, ``out_of_province``): numpy bool.

How the money stays exact
-------------------------
No float ever touches an amount. Every parameter is an exact rational number
(:class:`fractions.Fraction` built from a decimal string), so each rule's exact amount in fen is a
fraction ``num / den`` whose numerator is an int64 expression of the integer columns and whose
denominator is a positive integer (a constant, or the lease's own area). The only rounding is the
final one, half-up to the fen: for ``num >= 0`` and ``den > 0``::

    q, r = divmod(num, den);  fen = q + (2 * r >= den)

which is integer arithmetic throughout. Amounts are clipped at zero *before* rounding, so only
non-negative numerators are rounded and "half-up" is unambiguous. A cap that is a whole number of
fen commutes with rounding (``round(min(x, cap)) == min(round(x), cap)``), so p15's caps are
applied to the rounded 3%.

* p01: price ``P/Q`` yuan per kWh costs ``P * kwh_milli / (10 * Q)`` fen, so
  ``num = 10 * Q * fee - P * kwh_milli`` and ``den = 10 * Q`` (0.35 = 7/20 gives ``den = 200``).
* p13: with the bracket rates over a common denominator ``R``, the covered area times ``R`` is an
  integer in centi-m²: ``E = sum(rate_i * R * clip(area - t_i, 0, width_i))``; then
  ``num = rent * E`` and ``den = R * area`` (2 and area for the 1 / 0.5 / 0 brackets).
* p15: ``num = 3 * completed`` and ``den = 100``; the caps are whole fen.

Every int64 product is bounded before it is formed (:func:`_guard`); a registry whose values could
overflow raises :class:`OverflowError` instead of returning a wrong amount.
"""

from __future__ import annotations

import math
import sys
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

FEN_PER_YUAN = 100
MILLI_PER_KWH = 1000
CENTI_M2_PER_M2 = 100

# --- parameters (exact rationals from the policies' decimal text) -------------------------------

#: p01: the target price, yuan per kWh ("原则上" 0.35).
P01_TARGET_PRICE: Fraction = Fraction(Decimal("0.35"))

#: p13: (lower threshold in m², rate) brackets of covered area: the first 300 m² in full,
#: 300-1000 m² at half, beyond nothing.
P13_AREA_BRACKETS: tuple[tuple[Fraction, Fraction], ...] = (
    (Fraction(0), Fraction(1)),
    (Fraction(300), Fraction(Decimal("0.5"))),
    (Fraction(1000), Fraction(0)),
)

#: p15: 3% of the amount completed in the year.
P15_RATE: Fraction = Fraction(Decimal("0.03"))
#: p15: minimum contract amount, yuan.
P15_MIN_CONTRACT: Fraction = Fraction(3_000_000)
#: p15: cap per project over all years, yuan.
P15_PROJECT_CAP: Fraction = Fraction(2_000_000)
#: p15: cap per applicant per year, yuan.
P15_YEAR_CAP: Fraction = Fraction(3_000_000)

ITEMS: tuple[str, ...] = ("p01_dc_power", "p13_rent", "p15_bid")

MONEY_COLUMNS: tuple[str, ...] = (
    "electricity_fee_paid",
    "annual_rent",
    "contract_amount",
    "completed_amount",
    "project_history",
    "year_history",
)
BOOL_COLUMNS: tuple[str, ...] = (
    "scale_large",
    "packaged_base",
    "market_trading",
    "big_data",
    "startup",
    "government_built",
    "within_window",
    "won_by_tender",
    "out_of_province",
)
INT_COLUMNS: tuple[str, ...] = (*MONEY_COLUMNS, "electricity_kwh", "area")

_INT64_MAX = int(np.iinfo(np.int64).max)


# --- exact integer helpers ----------------------------------------------------------------------


def _whole(value: Fraction, unit: int, what: str) -> int:
    """``value * unit`` as an int, refusing a parameter that is not a whole number of units."""
    scaled = value * unit
    if scaled.denominator != 1:
        raise ValueError(f"{what} = {value} is not a whole number of 1/{unit}")
    return int(scaled)


def _max_abs(a: I64) -> int:
    """The largest magnitude in ``a`` as a Python int (0 for an empty array)."""
    if a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def _guard(bound: int, what: str) -> None:
    """Raise if an intermediate whose magnitude is at most ``bound`` could overflow int64."""
    if bound > _INT64_MAX:
        raise OverflowError(f"{what}: intermediate up to {bound} does not fit in int64")


def round_half_up_div(num: I64, den: I64 | int) -> I64:
    """``num / den`` rounded half-up to an integer, for ``num >= 0`` and ``den > 0``.

    >>> round_half_up_div(np.array([0, 1, 2, 3, 5], dtype=np.int64), 4).tolist()
    [0, 0, 1, 1, 1]
    >>> round_half_up_div(np.array([7, 5], dtype=np.int64), np.array([2, 10])).tolist()
    [4, 1]
    """
    q, r = np.divmod(num, den)
    # 2 * r < 2 * den, which the callers' guards keep inside int64.
    return (q + (2 * r >= den)).astype(np.int64)


# --- the three rules ----------------------------------------------------------------------------


def p01_dc_power(data: dict[str, np.ndarray]) -> I64:
    """Electricity subsidy: the fee paid above the target price, for eligible data centres."""
    fee: I64 = data["electricity_fee_paid"]
    kwh_milli: I64 = data["electricity_kwh"]
    eligible: Bool = (data["scale_large"] | data["packaged_base"]) & data["market_trading"]

    price = P01_TARGET_PRICE
    # cost in fen = price [yuan/kWh] * 100 [fen/yuan] * kwh_milli / 1000 = P * kwh_milli / (10 Q)
    per_unit = price * FEN_PER_YUAN / MILLI_PER_KWH  # fen per milli-kWh
    p, den = per_unit.numerator, per_unit.denominator
    _guard(den * _max_abs(fee) + p * _max_abs(kwh_milli), "p01 numerator")
    _guard(2 * den, "p01 denominator")

    num = fee * den - kwh_milli * p  # exact excess, in 1/den fen
    num = np.where(eligible & (num > 0), num, 0)
    return round_half_up_div(num, den)


def _covered_area_scaled(area: I64) -> tuple[I64, int]:
    """Area covered by the p13 brackets, in centi-m² times ``R``; returns it and ``R``."""
    scale = math.lcm(*(rate.denominator for _, rate in P13_AREA_BRACKETS))
    covered = np.zeros(area.shape, dtype=np.int64)
    bounds = [*(t for t, _ in P13_AREA_BRACKETS[1:]), None]
    for (lower, rate), upper in zip(P13_AREA_BRACKETS, bounds, strict=True):
        weight = int(rate * scale)
        if weight == 0:
            continue
        lo = _whole(lower, CENTI_M2_PER_M2, "p13 bracket threshold")
        part = np.maximum(area - lo, 0)
        if upper is not None:
            hi = _whole(upper, CENTI_M2_PER_M2, "p13 bracket threshold")
            part = np.minimum(part, hi - lo)
        covered += weight * part
    return covered, scale


def p13_rent(data: dict[str, np.ndarray]) -> I64:
    """Rent subsidy for big-data start-ups in government-built space, within the 3-year window."""
    rent: I64 = data["annual_rent"]
    area: I64 = data["area"]
    eligible: Bool = (
        data["big_data"] & data["startup"] & data["government_built"] & data["within_window"]
    )
    eligible = eligible & (area > 0) & (rent > 0)

    covered, scale = _covered_area_scaled(np.where(eligible, area, 0))
    max_weight = max(int(rate * scale) for _, rate in P13_AREA_BRACKETS)
    _guard(_max_abs(rent) * max_weight * _max_abs(area), "p13 numerator")
    _guard(2 * scale * _max_abs(area), "p13 denominator")

    num = np.where(eligible, rent * covered, 0)  # exact amount, in 1/(R * area) fen
    den = scale * np.where(eligible, area, 1)
    return round_half_up_div(num, den)


def p15_bid(data: dict[str, np.ndarray]) -> I64:
    """Out-of-province tender award: 3% of the year's completed amount, under two caps."""
    completed: I64 = data["completed_amount"]
    eligible: Bool = (
        data["big_data"]
        & data["won_by_tender"]
        & data["out_of_province"]
        & (data["contract_amount"] >= _whole(P15_MIN_CONTRACT, FEN_PER_YUAN, "p15 minimum"))
    )

    # a rate is dimensionless, so 3/100 of fen is fen: exact share = 3 * completed / 100 fen
    rate_num, rate_den = P15_RATE.numerator, P15_RATE.denominator
    _guard(rate_num * _max_abs(completed), "p15 numerator")
    _guard(2 * rate_den, "p15 denominator")
    share = round_half_up_div(np.where(eligible, np.maximum(completed, 0) * rate_num, 0), rate_den)

    project_room = (
        _whole(P15_PROJECT_CAP, FEN_PER_YUAN, "p15 project cap") - data["project_history"]
    )
    year_room = _whole(P15_YEAR_CAP, FEN_PER_YUAN, "p15 year cap") - data["year_history"]
    amount = np.minimum(share, np.minimum(project_room, year_room))
    return np.where(eligible, np.maximum(amount, 0), 0).astype(np.int64)


def _check(data: dict[str, np.ndarray]) -> None:
    n = len(data["area"])
    for name in INT_COLUMNS:
        col = data[name]
        if col.dtype != np.int64 or col.shape != (n,):
            raise TypeError(f"{name}: expected int64 of length {n}, got {col.dtype} {col.shape}")
    for name in BOOL_COLUMNS:
        col = data[name]
        if col.dtype != np.bool_ or col.shape != (n,):
            raise TypeError(f"{name}: expected bool of length {n}, got {col.dtype} {col.shape}")


def compute(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All three amounts, int64 fen per enterprise, keyed by item."""
    _check(data)
    return {
        "p01_dc_power": p01_dc_power(data),
        "p13_rent": p13_rent(data),
        "p15_bid": p15_bid(data),
    }


# --- a synthetic registry -----------------------------------------------------------------------


def _lognormal_int(
    rng: np.random.Generator, median: float, sigma: float, lo: float, hi: float, n: int
) -> I64:
    """Integers spread over orders of magnitude around ``median``, clipped to [lo, hi]."""
    values = rng.lognormal(mean=math.log(median), sigma=sigma, size=n)
    return np.clip(np.rint(values), lo, hi).astype(np.int64)


def make_data(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """A random registry of ``n`` enterprises, one data centre, lease and contract each.

    Most enterprises fail some condition of each rule; consumption, rents, areas and contract
    amounts spread over several orders of magnitude; histories are often zero and sometimes
    already past a cap.
    """
    rng = np.random.default_rng(seed)

    # p01: annual consumption 10^4 .. 2 * 10^9 kWh (median 10 GWh), with milli-kWh digits;
    # the price actually paid is 0.28 .. 0.60 yuan per kWh, so many pay under the target.
    kwh_milli = _lognormal_int(rng, 1e7, 1.4, 1e4, 2e9, n) * MILLI_PER_KWH
    kwh_milli += rng.integers(0, MILLI_PER_KWH, size=n, dtype=np.int64)
    price_paid = rng.uniform(0.28, 0.60, size=n)  # yuan per kWh
    fee = np.rint(kwh_milli.astype(np.float64) * price_paid / 10.0).astype(np.int64)

    # p13: lease areas 5 .. 20,000 m² (median 250 m²) in centi-m²; rent 150 .. 1,800 yuan per m²
    # per year.
    area = _lognormal_int(rng, 25_000, 1.1, 500, 2_000_000, n)
    rent_per_m2_fen = rng.integers(15_000, 180_000, size=n, dtype=np.int64)
    annual_rent = (area * rent_per_m2_fen) // CENTI_M2_PER_M2 + rng.integers(0, 100, size=n)

    # p15: contracts 50,000 .. 5e9 yuan (median 2.5 M), a random share completed this year;
    # histories zero for most, up to a little above the caps for the rest.
    contract = _lognormal_int(rng, 2.5e8, 1.5, 5e6, 5e11, n)
    completed = np.rint(contract * rng.uniform(0.0, 1.0, size=n)).astype(np.int64)
    project_history = np.where(
        rng.random(n) < 0.3, rng.integers(0, 220_000_000, size=n, dtype=np.int64), 0
    )
    year_history = np.where(
        rng.random(n) < 0.4, rng.integers(0, 320_000_000, size=n, dtype=np.int64), 0
    )

    def flag(p: float) -> Bool:
        return rng.random(n) < p

    return {
        "electricity_fee_paid": fee.astype(np.int64),
        "electricity_kwh": kwh_milli.astype(np.int64),
        "scale_large": flag(0.35),
        "packaged_base": flag(0.05),
        "market_trading": flag(0.55),
        "annual_rent": annual_rent.astype(np.int64),
        "area": area.astype(np.int64),
        "big_data": flag(0.30),
        "startup": flag(0.35),
        "government_built": flag(0.40),
        "within_window": flag(0.70),
        "contract_amount": contract.astype(np.int64),
        "completed_amount": completed.astype(np.int64),
        "project_history": project_history.astype(np.int64),
        "year_history": year_history.astype(np.int64),
        "won_by_tender": flag(0.60),
        "out_of_province": flag(0.40),
    }


# --- self-check ---------------------------------------------------------------------------------


def _fen_half_up(x: Fraction) -> int:
    """A non-negative exact amount in fen, rounded half-up (scalar reference)."""
    return math.floor(x + Fraction(1, 2))


def _reference_row(data: dict[str, np.ndarray], i: int) -> dict[str, int]:
    """The three amounts of row ``i`` from Fractions in yuan, one enterprise at a time."""
    col = {k: v[i].item() for k, v in data.items()}
    yuan = Fraction(1, FEN_PER_YUAN)
    out = {item: 0 for item in ITEMS}

    if (col["scale_large"] or col["packaged_base"]) and col["market_trading"]:
        fee = col["electricity_fee_paid"] * yuan
        kwh = Fraction(col["electricity_kwh"], MILLI_PER_KWH)
        excess = max(Fraction(0), fee - P01_TARGET_PRICE * kwh)
        out["p01_dc_power"] = _fen_half_up(excess * FEN_PER_YUAN)

    if col["big_data"] and col["startup"] and col["government_built"] and col["within_window"]:
        area = Fraction(col["area"], CENTI_M2_PER_M2)
        if area > 0:
            full, half = Fraction(300), Fraction(700)
            covered = min(area, full) + Fraction(1, 2) * min(max(area - full, Fraction(0)), half)
            rent = col["annual_rent"] * yuan
            out["p13_rent"] = _fen_half_up(max(Fraction(0), rent * covered / area) * FEN_PER_YUAN)

    if (
        col["big_data"]
        and col["won_by_tender"]
        and col["out_of_province"]
        and col["contract_amount"] * yuan >= P15_MIN_CONTRACT
    ):
        share = P15_RATE * col["completed_amount"] * yuan
        share = Fraction(_fen_half_up(share * FEN_PER_YUAN), FEN_PER_YUAN)
        amount = min(
            share,
            P15_PROJECT_CAP - col["project_history"] * yuan,
            P15_YEAR_CAP - col["year_history"] * yuan,
        )
        out["p15_bid"] = int(max(Fraction(0), amount) * FEN_PER_YUAN)
    return out


def _main(n: int) -> None:
    t0 = time.perf_counter()
    data = make_data(n)
    t1 = time.perf_counter()
    amounts = compute(data)
    t2 = time.perf_counter()
    print(f"numpy_rules: n={n:,}  make_data {t1 - t0:.3f} s  compute {t2 - t1:.4f} s")
    for item, fen in amounts.items():
        paid = int(np.count_nonzero(fen))
        print(f"  {item:14s} paid {paid:>9,}  total {int(fen.sum()) / 100:>22,.2f} yuan")

    checked = min(n, 1000)
    for i in range(checked):
        ref = _reference_row(data, i)
        for item in ITEMS:
            if int(amounts[item][i]) != ref[item]:
                raise AssertionError(f"row {i} {item}: {int(amounts[item][i])} != {ref[item]}")
    print(f"  exact: {checked:,} rows agree with a Fraction reference")


if __name__ == "__main__":
    _main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
