"""INN / KPP / OGRN / OGRNIP rules, with real registration numbers and broken check digits."""

from __future__ import annotations

import pytest

from saas.modules.clients.validation import (
    InvalidField,
    LegalForm,
    TaxRegime,
    inn_check_digits_ok,
    ogrn_check_digit_ok,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_requisites,
)

# Published requisites of well-known companies (legal entities: INN, KPP, OGRN).
SBERBANK = ("7707083893", "773601001", "1027700132195")
YANDEX = ("7736207543", "770401001", "1027700229193")
GAZPROM = ("7736050003", "997250001", "1027700070518")
VTB = ("7702070139", "784201001", "1027739609391")
# Individuals: the FNS's documented sample INN and sample OGRNIP.
IP_INN = "500100732259"
IP_OGRNIP = "304500116000157"


@pytest.mark.parametrize(
    "inn", [SBERBANK[0], YANDEX[0], GAZPROM[0], VTB[0], IP_INN, "773370857141"]
)
def test_real_inns_pass(inn: str) -> None:
    assert inn_check_digits_ok(inn)
    validate_inn(inn)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",  # Sberbank, last digit changed
        "7707083839",  # two digits swapped
        "500100732258",  # 12th check digit broken
        "500100732269",  # 11th check digit broken
        "0000000001",
    ],
)
def test_broken_inn_check_digits_are_refused(inn: str) -> None:
    assert not inn_check_digits_ok(inn)
    with pytest.raises(InvalidField) as err:
        validate_inn(inn)
    assert err.value.field == "inn"
    assert err.value.code == "INVALID_INN"
    assert "check digit" in err.value.text.en and "контрольное число" in err.value.text.ru


@pytest.mark.parametrize(
    "inn", ["770708389", "77070838931", "7707O83893", "１２３４５６７８９０", "7707-083893x"]
)
def test_inn_of_wrong_shape_names_the_lengths(inn: str) -> None:
    with pytest.raises(InvalidField) as err:
        validate_inn(inn)
    assert "10 digits" in err.value.text.en and "12 digits" in err.value.text.en
    assert "10 цифр" in err.value.text.ru


def test_ogrn_and_ogrnip_check_digits() -> None:
    for ogrn in (SBERBANK[2], YANDEX[2], GAZPROM[2], VTB[2]):
        assert ogrn_check_digit_ok(ogrn)
        validate_ogrn(ogrn, individual=False)
    assert ogrn_check_digit_ok(IP_OGRNIP)
    validate_ogrn(IP_OGRNIP, individual=True)
    assert not ogrn_check_digit_ok("1027700132196")
    assert not ogrn_check_digit_ok("304500116000158")


def test_ogrn_edge_case_remainder_ten_gives_zero() -> None:
    # 12 digits whose remainder mod 11 is 10: the check digit is the last digit of 10, i.e. 0.
    base = next(n for n in range(102770013219, 102770013319) if n % 11 == 10)
    assert ogrn_check_digit_ok(f"{base}0")
    assert not ogrn_check_digit_ok(f"{base}1")


@pytest.mark.parametrize(
    ("value", "individual", "code", "needle"),
    [
        ("1027700132196", False, "INVALID_OGRN", "check digit"),
        ("304500116000158", True, "INVALID_OGRN", "check digit"),
        (IP_OGRNIP, False, "INVALID_OGRN", "13 digits"),
        (SBERBANK[2], True, "INVALID_OGRN", "15 digits"),
        ("", False, "REQUIRED", "required"),
    ],
)
def test_broken_ogrn_is_refused(value: str, individual: bool, code: str, needle: str) -> None:
    with pytest.raises(InvalidField) as err:
        validate_ogrn(value, individual)
    assert (err.value.field, err.value.code) == ("ogrn", code)
    assert needle in err.value.text.en
    assert ("ОГРНИП" if individual else "ОГРН") in err.value.text.ru


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", "997250001", "77360Z001"])
def test_kpp_valid(kpp: str) -> None:
    validate_kpp(kpp)


@pytest.mark.parametrize(
    "kpp", ["77360100", "7736010011", "7736ab001", "AB3601001", "773601A01", "7736ЖЖ001"]
)
def test_kpp_invalid(kpp: str) -> None:
    with pytest.raises(InvalidField) as err:
        validate_kpp(kpp)
    assert (err.value.field, err.value.code) == ("kpp", "INVALID_KPP")
    assert "KPP" in err.value.text.en and "КПП" in err.value.text.ru


def test_legal_entity_requisites_are_normalized() -> None:
    got = validate_requisites(
        "  ПАО   Сбербанк ",
        LegalForm.PAO,
        " 7707 083 893 ",
        "773601001",
        "1027700132195",
        TaxRegime.OSNO,
    )
    assert (got.name, got.inn, got.kpp, got.ogrn) == ("ПАО Сбербанк", *SBERBANK)


def test_sole_proprietor_requisites() -> None:
    got = validate_requisites("ИП Иванов", LegalForm.IP, IP_INN, None, IP_OGRNIP, TaxRegime.PATENT)
    assert got.kpp is None and got.ogrn == IP_OGRNIP


@pytest.mark.parametrize(
    ("form", "inn", "kpp", "ogrn", "regime", "field", "code"),
    [
        (LegalForm.OOO, IP_INN, None, IP_OGRNIP, TaxRegime.OSNO, "inn", "INN_LEGAL_FORM_MISMATCH"),
        (
            LegalForm.IP,
            SBERBANK[0],
            None,
            IP_OGRNIP,
            TaxRegime.OSNO,
            "inn",
            "INN_LEGAL_FORM_MISMATCH",
        ),
        (LegalForm.AO, SBERBANK[0], None, SBERBANK[2], TaxRegime.OSNO, "kpp", "REQUIRED"),
        (LegalForm.IP, IP_INN, "773601001", IP_OGRNIP, TaxRegime.OSNO, "kpp", "KPP_NOT_ALLOWED"),
        (LegalForm.IP, IP_INN, None, SBERBANK[2], TaxRegime.OSNO, "ogrn", "INVALID_OGRN"),
        (
            LegalForm.OOO,
            SBERBANK[0],
            SBERBANK[1],
            IP_OGRNIP,
            TaxRegime.OSNO,
            "ogrn",
            "INVALID_OGRN",
        ),
        (LegalForm.OOO, *SBERBANK, TaxRegime.PATENT, "taxRegime", "TAX_REGIME_LEGAL_FORM_MISMATCH"),
        (LegalForm.OOO, *SBERBANK, TaxRegime.NPD, "taxRegime", "TAX_REGIME_LEGAL_FORM_MISMATCH"),
    ],
)
def test_legal_form_consistency(form, inn, kpp, ogrn, regime, field, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidField) as err:
        validate_requisites("Рога и копыта", form, inn, kpp, ogrn, regime)
    assert (err.value.field, err.value.code) == (field, code)
    assert err.value.text.ru and err.value.text.en and err.value.text.ru != err.value.text.en


def test_name_required() -> None:
    with pytest.raises(InvalidField) as err:
        validate_requisites("   ", LegalForm.PAO, *SBERBANK, TaxRegime.OSNO)
    assert (err.value.field, err.value.code) == ("name", "REQUIRED")
