from decimal import Decimal

import pytest

from jinshu.money import D, fmt, round_fen


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        D(0.1)


def test_round_fen_is_half_up_not_bankers() -> None:
    assert round_fen(D("2.345")) == Decimal("2.35")
    assert round_fen(D("2.355")) == Decimal("2.36")
    assert round_fen(D("-2.345")) == Decimal("-2.35")


def test_fmt_has_two_decimals() -> None:
    assert fmt(D("5")) == "5.00"
    assert fmt(None) is None
