"""Check digits of Russian requisites, shared by every module: INN (10 digits for
organizations, 12 for people), BIK (9 digits) and a bank account (20 digits) with the Central
Bank's control key computed against the BIK."""

from __future__ import annotations

INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
ACCOUNT_WEIGHTS = (7, 1, 3) * 7 + (7, 1)


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _digits(value: str, length: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) == length


def inn_check_digits_ok(inn: str) -> bool:
    if not inn.isascii() or not inn.isdigit():
        return False
    if len(inn) == 10:
        return _weighted(inn, INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return _weighted(inn, INN12_WEIGHTS_11) == int(inn[10]) and _weighted(
            inn, INN12_WEIGHTS_12
        ) == int(inn[11])
    return False


def bik_ok(bik: str) -> bool:
    return _digits(bik, 9)


def account_key_ok(account: str, bik: str) -> bool:
    """The control key (the account's 9th digit) by the Central Bank's algorithm: the last
    three digits of the BIK (for a bank's account; "0" + BIK digits 5–6 for an account at a
    Bank of Russia institution, when BIK digits 7–9 are "000" or "001") precede the 20
    digits, weights 7 1 3 repeating, the sum's last digit must be 0."""
    if not (_digits(account, 20) and bik_ok(bik)):
        return False
    prefix = "0" + bik[4:6] if bik[6:9] in {"000", "001"} else bik[6:9]
    total = sum(int(d) * w for d, w in zip(prefix + account, ACCOUNT_WEIGHTS, strict=True))
    return total % 10 == 0


def _key_sum_ok(prefix: str, account: str) -> bool:
    total = sum(int(d) * w for d, w in zip(prefix + account, ACCOUNT_WEIGHTS, strict=True))
    return total % 10 == 0


def corr_account_key_ok(corr_account: str, bik: str) -> bool:
    """A bank's correspondent account (301…) is keyed with "0" + BIK digits 5–6 (its RKC)."""
    if not (_digits(corr_account, 20) and bik_ok(bik)):
        return False
    return _key_sum_ok("0" + bik[4:6], corr_account)
