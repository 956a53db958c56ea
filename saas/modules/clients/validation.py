"""Russian registration numbers of a client organization: INN, KPP, OGRN / OGRNIP.

Pure functions, no I/O. Each check returns nothing or raises `InvalidField`, which names the
field (as the GraphQL input spells it) and carries the message in Russian and English.

Check digits (Federal Tax Service rules):
- INN of a legal entity, 10 digits: the 10th = (Σ dᵢ·wᵢ mod 11) mod 10 with
  w = 2 4 10 3 5 9 4 6 8.
- INN of an individual (sole proprietor), 12 digits: the 11th with w = 7 2 4 10 3 5 9 4 6 8,
  the 12th with w = 3 7 2 4 10 3 5 9 4 6 8 over the first eleven.
- OGRN, 13 digits: the last = (first 12 digits as a number mod 11) mod 10.
- OGRNIP, 15 digits: the last = (first 14 digits as a number mod 13) mod 10.
- KPP, 9 characters: 4 digits (tax office), 2 digits or capital latin letters (reason), 3 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from saas.core.requisites import (  # noqa: F401 (re-exported for callers of this module)
    INN10_WEIGHTS,
    INN12_WEIGHTS_11,
    INN12_WEIGHTS_12,
    inn_check_digits_ok,
)


class LegalForm(StrEnum):
    OOO = "ooo"  # общество с ограниченной ответственностью
    AO = "ao"  # акционерное общество (непубличное)
    PAO = "pao"  # публичное акционерное общество
    IP = "ip"  # индивидуальный предприниматель
    KFH = "kfh"  # глава крестьянского (фермерского) хозяйства, registered like an IP


class TaxRegime(StrEnum):
    OSNO = "osno"
    USN_INCOME = "usn_income"
    USN_INCOME_EXPENSE = "usn_income_expense"
    PATENT = "patent"
    NPD = "npd"
    ESHN = "eshn"


LEGAL_ENTITY_FORMS = frozenset({LegalForm.OOO, LegalForm.AO, LegalForm.PAO})
INDIVIDUAL_FORMS = frozenset({LegalForm.IP, LegalForm.KFH})
# Patent (ПСН) and professional income tax (НПД) exist only for individuals.
INDIVIDUAL_ONLY_REGIMES = frozenset({TaxRegime.PATENT, TaxRegime.NPD})

LEGAL_FORM_LABELS: dict[LegalForm, tuple[str, str]] = {
    LegalForm.OOO: ("ООО", "LLC"),
    LegalForm.AO: ("АО", "JSC"),
    LegalForm.PAO: ("ПАО", "PJSC"),
    LegalForm.IP: ("ИП", "Sole proprietor"),
    LegalForm.KFH: ("Глава КФХ", "Peasant farm head"),
}

KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
NAME_MAX = 300


@dataclass(frozen=True)
class Message:
    ru: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.ru


class InvalidField(ValueError):
    """One field of the input is wrong; `field` is the GraphQL input field name."""

    def __init__(self, field: str, code: str, ru: str, en: str):
        super().__init__(en)
        self.field, self.code = field, code
        self.text = Message(ru, en)


def ogrn_check_digit_ok(ogrn: str) -> bool:
    """OGRN (13 digits, mod 11) or OGRNIP (15 digits, mod 13)."""
    if not ogrn.isascii() or not ogrn.isdigit():
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    if len(ogrn) == 15:
        return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    return False


def normalize_number(value: str | None) -> str:
    """People paste numbers with spaces and dashes; those are dropped, nothing else."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def validate_inn(inn: str, field: str = "inn") -> None:
    if not inn:
        raise InvalidField(field, "REQUIRED", "ИНН: укажите ИНН.", "INN: the INN is required.")
    if not inn.isascii() or not inn.isdigit() or len(inn) not in (10, 12):
        raise InvalidField(
            field,
            "INVALID_INN",
            "ИНН: должен состоять из 10 цифр (организация) или 12 цифр (ИП).",
            "INN: must be 10 digits (legal entity) or 12 digits (individual / sole proprietor).",
        )
    if not inn_check_digits_ok(inn):
        raise InvalidField(
            field,
            "INVALID_INN",
            f"ИНН {inn}: неверное контрольное число, проверьте номер.",
            f"INN {inn}: the check digit is wrong; check the number.",
        )


def validate_kpp(kpp: str, field: str = "kpp") -> None:
    if not KPP_RE.match(kpp):
        raise InvalidField(
            field,
            "INVALID_KPP",
            "КПП: 9 знаков — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры.",
            "KPP: 9 characters - 4 digits, 2 digits or capital latin letters, 3 digits.",
        )


def validate_ogrn(ogrn: str, individual: bool, field: str = "ogrn") -> None:
    name_ru, name_en, length = ("ОГРНИП", "OGRNIP", 15) if individual else ("ОГРН", "OGRN", 13)
    if not ogrn:
        raise InvalidField(
            field, "REQUIRED", f"{name_ru}: укажите номер.", f"{name_en}: the number is required."
        )
    if not ogrn.isascii() or not ogrn.isdigit() or len(ogrn) != length:
        raise InvalidField(
            field,
            "INVALID_OGRN",
            f"{name_ru}: должен состоять из {length} цифр.",
            f"{name_en}: must be {length} digits.",
        )
    if not ogrn_check_digit_ok(ogrn):
        raise InvalidField(
            field,
            "INVALID_OGRN",
            f"{name_ru} {ogrn}: неверное контрольное число, проверьте номер.",
            f"{name_en} {ogrn}: the check digit is wrong; check the number.",
        )


def validate_name(name: str, field: str = "name") -> None:
    if not name.strip():
        raise InvalidField(
            field, "REQUIRED", "Название: укажите название.", "Name: the name is required."
        )
    if len(name) > NAME_MAX:
        raise InvalidField(
            field,
            "TOO_LONG",
            f"Название: не длиннее {NAME_MAX} символов.",
            f"Name: at most {NAME_MAX} characters.",
        )


@dataclass(frozen=True)
class Requisites:
    """The registration data of a client organization, normalized."""

    name: str
    legal_form: LegalForm
    inn: str
    kpp: str | None
    ogrn: str
    tax_regime: TaxRegime


def validate_requisites(
    name: str,
    legal_form: LegalForm,
    inn: str | None,
    kpp: str | None,
    ogrn: str | None,
    tax_regime: TaxRegime,
) -> Requisites:
    """Every field on its own, then their consistency with the legal form; the first problem
    found is raised (fields in form order, so the message points at what to fix first)."""
    name = " ".join(name.split())
    inn_n, kpp_n, ogrn_n = normalize_number(inn), normalize_number(kpp), normalize_number(ogrn)
    validate_name(name)
    validate_inn(inn_n)
    individual = legal_form in INDIVIDUAL_FORMS
    form_ru, form_en = LEGAL_FORM_LABELS[legal_form]
    if individual and len(inn_n) != 12:
        raise InvalidField(
            "inn",
            "INN_LEGAL_FORM_MISMATCH",
            f"ИНН: у формы «{form_ru}» ИНН из 12 цифр; 10 цифр — ИНН организации.",
            f"INN: legal form {form_en} has a 12-digit INN; 10 digits is a legal entity's INN.",
        )
    if not individual and len(inn_n) != 10:
        raise InvalidField(
            "inn",
            "INN_LEGAL_FORM_MISMATCH",
            f"ИНН: у формы «{form_ru}» ИНН из 10 цифр; 12 цифр — ИНН физического лица или ИП.",
            f"INN: legal form {form_en} has a 10-digit INN; 12 digits is an individual's INN.",
        )
    if individual and kpp_n:
        raise InvalidField(
            "kpp",
            "KPP_NOT_ALLOWED",
            f"КПП: у формы «{form_ru}» нет КПП, оставьте поле пустым.",
            f"KPP: legal form {form_en} has no KPP; leave the field empty.",
        )
    if not individual:
        if not kpp_n:
            raise InvalidField(
                "kpp",
                "REQUIRED",
                f"КПП: для формы «{form_ru}» КПП обязателен.",
                f"KPP: required for legal form {form_en}.",
            )
        validate_kpp(kpp_n)
    validate_ogrn(ogrn_n, individual)
    if not individual and tax_regime in INDIVIDUAL_ONLY_REGIMES:
        raise InvalidField(
            "taxRegime",
            "TAX_REGIME_LEGAL_FORM_MISMATCH",
            "Система налогообложения: патент и НПД доступны только ИП.",
            "Tax regime: the patent and professional income tax regimes are for individuals only.",
        )
    return Requisites(name, legal_form, inn_n, kpp_n or None, ogrn_n, tax_regime)
