"""The names a rule may read, by grain: the layout shared by every backend.

An expression of an item sees the built-ins (the year and its dates, the document's start), the
applicant (its facts and one ``kind_<kind>`` flag per kind), the year's figures and the previous
year's (``prev_<figure>``), every parameter, the item's aggregates and earlier steps, and, for a
record item, the record's own facts (``record_id`` is its id).
"""

from __future__ import annotations

from jinshu.facts.schema import APPLICANT_KINDS, HISTORY, YEAR, record_facts

BUILTINS = ("year", "year_start", "year_end", "next_year_start", "effective_from")
# The applicant's place is renamed so that a record (a data centre) can have its own.
ENTERPRISE_NAMES = {
    "founded": "founded",
    "registered_in_shanxi": "registered_in_shanxi",
    "hq_in_shanxi": "hq_in_shanxi",
    "max_main_revenue_before": "max_main_revenue_before",
    "city": "applicant_city",
    "county": "applicant_county",
}
KIND_NAMES = tuple(f"kind_{k}" for k in APPLICANT_KINDS)
YEAR_NAMES = tuple(YEAR)
PREV_YEAR_NAMES = tuple(f"prev_{n}" for n in YEAR)
HISTORY_NAMES = ("item", "h_year", "key", "level", "amount")


def base_names() -> set[str]:
    """Names every expression may read, whatever its grain (parameters apart)."""
    return {
        *BUILTINS,
        *ENTERPRISE_NAMES.values(),
        *KIND_NAMES,
        *YEAR_NAMES,
        *PREV_YEAR_NAMES,
    }


def record_names(kind: str) -> set[str]:
    """Names of a record kind's row: its facts (``id`` as ``record_id``)."""
    return {("record_id" if n == "id" else n) for n in record_facts(kind)}


def history_names() -> set[str]:
    assert set(HISTORY) == {"item", "year", "key", "level", "amount"}
    return set(HISTORY_NAMES)


def display_name(name: str, year: int) -> str:
    """How a missing fact is named to a user: the case's own field path."""
    if name in YEAR:
        return f"years.{year}.{name}"
    if name.startswith("prev_") and name[5:] in YEAR:
        return f"years.{year - 1}.{name[5:]}"
    for fact, alias in ENTERPRISE_NAMES.items():
        if name == alias:
            return f"enterprise.{fact}"
    return name
