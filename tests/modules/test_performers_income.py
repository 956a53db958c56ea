"""Limit and tax arithmetic on edge amounts (kopecks)."""

from __future__ import annotations

import pytest

from saas.modules.performers.service.income import (
    DEDUCTION_KOPECKS,
    LIMIT_KOPECKS,
    LimitLevel,
    Payer,
    estimate_tax,
    limit_state,
)


@pytest.mark.parametrize(
    ("income", "level"),
    [
        (0, LimitLevel.OK),
        (1_920_000_00 - 1, LimitLevel.OK),
        (1_920_000_00, LimitLevel.WARN_80),
        (2_280_000_00 - 1, LimitLevel.WARN_80),
        (2_280_000_00, LimitLevel.WARN_95),
        (LIMIT_KOPECKS, LimitLevel.WARN_95),
        (LIMIT_KOPECKS + 1, LimitLevel.EXCEEDED),
    ],
)
def test_limit_levels_at_edges(income: int, level: LimitLevel) -> None:
    state = limit_state(income)
    assert state.level is level
    assert state.left_kopecks == max(LIMIT_KOPECKS - income, 0)


def test_fresh_deduction_gives_3_and_4_percent() -> None:
    individual = estimate_tax([(Payer.INDIVIDUAL, 100_000_00)])
    assert individual.tax_kopecks == 3_000_00 and individual.deduction_used_kopecks == 1_000_00
    business = estimate_tax([(Payer.BUSINESS, 100_000_00)])
    assert business.tax_kopecks == 4_000_00 and business.deduction_left_kopecks == 8_000_00


def test_deduction_runs_out_mid_income() -> None:
    # 2% of 600,000 ₽ would be 12,000 ₽ — only 10,000 ₽ exist: 36,000 − 10,000.
    est = estimate_tax([(Payer.BUSINESS, 600_000_00)])
    assert est.tax_kopecks == 26_000_00
    assert est.deduction_left_kopecks == 0 and est.deduction_used_kopecks == DEDUCTION_KOPECKS
    # afterwards the full rates apply
    after = estimate_tax([(Payer.INDIVIDUAL, 10_000_00)], deduction_left_kopecks=0)
    assert after.tax_kopecks == 400_00


def test_exactly_used_up_and_mixed_order() -> None:
    est = estimate_tax([(Payer.INDIVIDUAL, 999_999_99), (Payer.BUSINESS, 1_000_00)])
    # 4% of 999,999.99 = 39,999.9996 → 40,000.00; deduction 1% → 10,000.00 (all of it)
    assert est.deduction_used_kopecks == DEDUCTION_KOPECKS
    assert est.tax_kopecks == 30_000_00 + 60_00


def test_kopeck_rounding_half_up() -> None:
    # 4% of 0.13 ₽ = 0.52 kop → 1 kop; 1% deduction = 0.13 kop → 0: tax 1 kopeck.
    assert estimate_tax([(Payer.INDIVIDUAL, 13)]).tax_kopecks == 1
    with pytest.raises(ValueError):
        estimate_tax([(Payer.INDIVIDUAL, -1)])
    with pytest.raises(ValueError):
        estimate_tax([], deduction_left_kopecks=DEDUCTION_KOPECKS + 1)
