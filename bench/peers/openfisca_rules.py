"""The benchmark "peer": the same three jinshu rules written idiomatically for openfisca-core 46.

One single entity, ``enterprise`` (one data centre, one lease and one contract each); every input
and output is a yearly ``Variable``; the parameters live in a :class:`ParameterNode` built in code
(the p13 area brackets as a marginal-rate scale, as an OpenFisca user would write them). Money is
``value_type = float`` in yuan, OpenFisca's default, which stores 32-bit floats: that precision is
deliberately left as is, since it is what the benchmark measures.

Inputs arrive in the same columnar registry as :mod:`bench.peers.numpy_rules` (int64 fen,
milli-kWh, centi-m², numpy bools); :func:`compute` converts them to yuan, kWh and m² floats, runs a
simulation of N enterprises and returns the amounts converted back to int64 fen with
``np.round(x * 100)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, Variable, max_, min_
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import Period
from openfisca_core.populations import Population
from openfisca_core.simulations import Simulation, SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

ITEMS: tuple[str, ...] = ("p01_dc_power", "p13_rent", "p15_bid")

#: registry column -> divisor taking it to the OpenFisca unit (yuan, kWh, m²); booleans as is
INPUT_SCALE: dict[str, int | None] = {
    "electricity_fee_paid": 100,
    "electricity_kwh": 1000,
    "scale_large": None,
    "packaged_base": None,
    "market_trading": None,
    "annual_rent": 100,
    "area": 100,
    "big_data": None,
    "startup": None,
    "government_built": None,
    "within_window": None,
    "contract_amount": 100,
    "completed_amount": 100,
    "project_history": 100,
    "year_history": 100,
    "won_by_tender": None,
    "out_of_province": None,
}

SINCE = "2017-01-01"

#: what a formula receives as ``parameters``: the parameter tree at a period
Params = Callable[[Period], Any]

Enterprise = build_entity(
    key="enterprise",
    plural="enterprises",
    label="An enterprise (applicant)",
    doc="One enterprise with one data centre, one lease and one contract.",
    is_person=True,
)


def _value(value: float, description: str, unit: str) -> dict[str, Any]:
    return {"description": description, "unit": unit, "values": {SINCE: {"value": value}}}


PARAMETERS: dict[str, Any] = {
    "p01_dc_power": {
        "description": "Clause 1: electricity subsidy for data centres",
        "target_price": _value(0.35, "Target electricity price (原则上)", "currency-CNY/kWh"),
    },
    "p13_rent": {
        "description": "Clause 13: rent subsidy for big-data start-ups",
        "area_brackets": {
            "description": "Share of the rent paid by area bracket (m²)",
            "brackets": [
                {
                    "threshold": {"values": {SINCE: {"value": 0}}},
                    "rate": {"values": {SINCE: {"value": 1.0}}},
                },
                {
                    "threshold": {"values": {SINCE: {"value": 300}}},
                    "rate": {"values": {SINCE: {"value": 0.5}}},
                },
                {
                    "threshold": {"values": {SINCE: {"value": 1000}}},
                    "rate": {"values": {SINCE: {"value": 0.0}}},
                },
            ],
        },
    },
    "p15_bid": {
        "description": "Clause 15: award for out-of-province tenders won",
        "rate": _value(0.03, "Share of the amount completed in the year", "/1"),
        "min_contract": _value(3_000_000, "Minimum contract amount", "currency-CNY"),
        "project_cap": _value(2_000_000, "Cap per project over all years", "currency-CNY"),
        "year_cap": _value(3_000_000, "Cap per applicant per year", "currency-CNY"),
    },
}


# --- inputs -------------------------------------------------------------------------------------


class electricity_fee_paid(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Electricity fee paid by the data centre in the year (yuan)"


class electricity_kwh(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Electricity consumed by the data centre in the year (kWh)"


class scale_large(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "The data centre is large or super-large"


class packaged_base(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "A big-data base packaged as a whole"


class market_trading(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "Takes part in electricity market trading"


class annual_rent(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Annual rent of the lease (yuan)"


class area(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Leased area (m²)"


class big_data(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "A big-data enterprise"


class startup(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "A start-up"


class government_built(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "The leased space was built by the government"


class within_window(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "The year is within the first three years of the lease"


class contract_amount(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Contract amount (yuan)"


class completed_amount(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Contract amount completed in the year (yuan)"


class project_history(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Already awarded for this project in earlier years (yuan)"


class year_history(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Already awarded to the applicant this year for contracts (yuan)"


class won_by_tender(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "The contract was won by public tender"


class out_of_province(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "The contract is outside Shanxi"


# --- formulas -----------------------------------------------------------------------------------


class p01_dc_power(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Clause 1: electricity subsidy (yuan)"

    def formula(enterprise: Population, period: Period, parameters: Params) -> np.ndarray:
        fee = enterprise("electricity_fee_paid", period)
        kwh = enterprise("electricity_kwh", period)
        large_or_packaged = enterprise("scale_large", period) + enterprise("packaged_base", period)
        eligible = large_or_packaged * enterprise("market_trading", period)
        price = parameters(period).p01_dc_power.target_price
        return eligible * max_(0, fee - price * kwh)


class p13_rent(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Clause 13: rent subsidy (yuan)"

    def formula(enterprise: Population, period: Period, parameters: Params) -> np.ndarray:
        rent = enterprise("annual_rent", period)
        leased = enterprise("area", period)
        eligible = (
            enterprise("big_data", period)
            * enterprise("startup", period)
            * enterprise("government_built", period)
            * enterprise("within_window", period)
        )
        covered = parameters(period).p13_rent.area_brackets.calc(leased)
        subsidised = np.divide(rent * covered, leased, out=np.zeros(len(leased)), where=leased > 0)
        return eligible * subsidised


class p15_bid(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Clause 15: out-of-province tender award (yuan)"

    def formula(enterprise: Population, period: Period, parameters: Params) -> np.ndarray:
        p = parameters(period).p15_bid
        eligible = (
            enterprise("big_data", period)
            * enterprise("won_by_tender", period)
            * enterprise("out_of_province", period)
            * (enterprise("contract_amount", period) >= p.min_contract)
        )
        share = p.rate * enterprise("completed_amount", period)
        project_room = p.project_cap - enterprise("project_history", period)
        year_room = p.year_cap - enterprise("year_history", period)
        return eligible * max_(0, min_(share, min_(project_room, year_room)))


VARIABLES: tuple[type[Variable], ...] = (
    electricity_fee_paid,
    electricity_kwh,
    scale_large,
    packaged_base,
    market_trading,
    annual_rent,
    area,
    big_data,
    startup,
    government_built,
    within_window,
    contract_amount,
    completed_amount,
    project_history,
    year_history,
    won_by_tender,
    out_of_province,
    p01_dc_power,
    p13_rent,
    p15_bid,
)


class ShanxiDigitalEconomy(TaxBenefitSystem):
    """Three of the Shanxi digital-economy incentives as an OpenFisca system."""

    def __init__(self) -> None:
        super().__init__([Enterprise])
        self.parameters = ParameterNode("", data=PARAMETERS)
        self.add_variables(*VARIABLES)


def build_system() -> TaxBenefitSystem:
    """The tax-benefit system with its single entity, variables and parameters."""
    return ShanxiDigitalEconomy()


def _to_openfisca(name: str, values: np.ndarray) -> np.ndarray:
    divisor = INPUT_SCALE[name]
    return values if divisor is None else values / divisor


def compute(
    system: TaxBenefitSystem, data: dict[str, np.ndarray], period: str = "2020"
) -> dict[str, np.ndarray]:
    """All three amounts for N enterprises, converted to int64 fen."""
    n = len(data["area"])
    simulation: Simulation = SimulationBuilder().build_default_simulation(system, n)
    for name in INPUT_SCALE:
        simulation.set_input(name, period, _to_openfisca(name, data[name]))
    return {
        item: np.round(simulation.calculate(item, period) * 100).astype(np.int64) for item in ITEMS
    }


def compute_one(
    system: TaxBenefitSystem, record: dict[str, Any], period: str = "2020"
) -> dict[str, float]:
    """The three amounts (yuan) for one enterprise, from a situation dict as OpenFisca users do.

    ``record`` holds one enterprise's values in the registry's units (fen, milli-kWh, centi-m²,
    bools), as scalars.
    """
    values: dict[str, dict[str, Any]] = {}
    for name, divisor in INPUT_SCALE.items():
        raw = record[name]
        values[name] = {period: bool(raw) if divisor is None else int(raw) / divisor}
    situation = {"enterprises": {"e1": values}}
    simulation = SimulationBuilder().build_from_entities(system, situation)
    return {item: float(simulation.calculate(item, period)[0]) for item in ITEMS}


# --- self-check ---------------------------------------------------------------------------------


def _main(n: int) -> None:
    if __package__:
        from bench.peers import numpy_rules
    else:  # run as a script: this folder is on sys.path
        import numpy_rules  # type: ignore[no-redef]

    data = numpy_rules.make_data(n)
    t0 = time.perf_counter()
    system = build_system()
    t1 = time.perf_counter()
    amounts = compute(system, data)
    t2 = time.perf_counter()
    exact = numpy_rules.compute(data)
    t3 = time.perf_counter()

    print(
        f"openfisca_rules: n={n:,}  build_system {t1 - t0:.3f} s  compute {t2 - t1:.4f} s"
        f"  (numpy {t3 - t2:.4f} s)"
    )
    total_diff = 0
    for item in ITEMS:
        diff = amounts[item] - exact[item]
        total_diff += int(diff.sum())
        paid = int(np.count_nonzero(exact[item]))
        wrong = int(np.count_nonzero(diff))
        print(
            f"  {item:14s} total {int(amounts[item].sum()) / 100:>22,.2f} yuan"
            f"  vs numpy {int(diff.sum()):>+12,} fen; {wrong:,} of {paid:,} paid rows differ"
            f" (max |diff| {int(np.abs(diff).max()) if diff.size else 0:,} fen)"
        )
    print(f"  total difference OpenFisca - numpy: {total_diff:+,} fen")

    any_paid = np.flatnonzero(exact["p01_dc_power"] | exact["p13_rent"] | exact["p15_bid"])
    row = int(any_paid[0]) if any_paid.size else 0
    record = {name: column[row].item() for name, column in data.items()}
    compute_one(system, record)  # warm up
    runs = 200
    t4 = time.perf_counter()
    for _ in range(runs):
        one = compute_one(system, record)
    t5 = time.perf_counter()
    print(f"  compute_one (row {row}): {(t5 - t4) / runs * 1000:.3f} ms per case  {one}")


if __name__ == "__main__":
    _main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
