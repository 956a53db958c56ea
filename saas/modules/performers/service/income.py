"""The performer's income arithmetic in kopecks (law 422-FZ): the year's income against the
2,400,000 ₽ limit (art. 4 p. 2 pp. 8) with warnings at 80% and 95%, and the tax estimate
(art. 10: 4% on income from individuals, 6% from organizations and entrepreneurs). The tax
deduction of art. 12 — 10,000 ₽ for the whole time on НПД — is spent at 1% of income taxed at
4% and 2% of income taxed at 6% (so the rates are effectively 3% and 4%) until it is used up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

LIMIT_KOPECKS = 2_400_000_00
DEDUCTION_KOPECKS = 10_000_00


class Payer(Enum):
    INDIVIDUAL = "individual"  # 4%, deduction 1%
    BUSINESS = "business"  # organization or entrepreneur: 6%, deduction 2%


RATES = {
    Payer.INDIVIDUAL: (Decimal("0.04"), Decimal("0.01")),
    Payer.BUSINESS: (Decimal("0.06"), Decimal("0.02")),
}


class LimitLevel(Enum):
    OK = "ok"
    WARN_80 = "warn_80"
    WARN_95 = "warn_95"
    EXCEEDED = "exceeded"


@dataclass(frozen=True)
class LimitState:
    income_kopecks: int
    left_kopecks: int
    level: LimitLevel


def limit_state(income_kopecks: int) -> LimitState:
    """80% (1,920,000 ₽) and 95% (2,280,000 ₽) warn; above 2,400,000 ₽ the limit is exceeded
    (exactly 2,400,000 ₽ still fits)."""
    if income_kopecks < 0:
        raise ValueError("income cannot be negative")
    if income_kopecks > LIMIT_KOPECKS:
        level = LimitLevel.EXCEEDED
    elif income_kopecks * 100 >= LIMIT_KOPECKS * 95:
        level = LimitLevel.WARN_95
    elif income_kopecks * 100 >= LIMIT_KOPECKS * 80:
        level = LimitLevel.WARN_80
    else:
        level = LimitLevel.OK
    return LimitState(income_kopecks, max(LIMIT_KOPECKS - income_kopecks, 0), level)


@dataclass(frozen=True)
class TaxEstimate:
    tax_kopecks: int
    deduction_used_kopecks: int
    deduction_left_kopecks: int


def _kopecks(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def estimate_tax(
    incomes: list[tuple[Payer, int]], deduction_left_kopecks: int = DEDUCTION_KOPECKS
) -> TaxEstimate:
    """Tax on incomes in order (amount in kopecks each), spending the remaining deduction."""
    if not 0 <= deduction_left_kopecks <= DEDUCTION_KOPECKS:
        raise ValueError("deduction left must be between 0 and 10,000 ₽")
    tax = 0
    used = 0
    left = deduction_left_kopecks
    for payer, amount in incomes:
        if amount < 0:
            raise ValueError("income cannot be negative")
        rate, deduction_rate = RATES[payer]
        full = _kopecks(rate * amount)
        spend = min(_kopecks(deduction_rate * amount), left)
        left -= spend
        used += spend
        tax += full - spend
    return TaxEstimate(tax, used, left)
