"""Client organizations for tests: valid INN/OGRN numbers on demand, organization inputs,
creating one over GraphQL, and the clients tests' staff personas.

    org = created(admin, llc("Ромашка", responsibleManagerId=person_gid(manager)))
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from saas.modules.clients.validation import (
    INN10_WEIGHTS,
    INN12_WEIGHTS_11,
    INN12_WEIGHTS_12,
)
from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient
from tests.support.people import add_membership, make_person

# ------------------------------------------------------------------ valid numbers on demand

_serial = itertools.count(random.randrange(1_000_000, 8_000_000))


def _check(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn10(n: int | None = None) -> str:
    head = "77" + f"{(n if n is not None else next(_serial)) % 10**7:07d}"
    return head + _check(head, INN10_WEIGHTS)


def inn12(n: int | None = None) -> str:
    head = "50" + f"{(n if n is not None else next(_serial)) % 10**8:08d}"
    head += _check(head, INN12_WEIGHTS_11)
    return head + _check(head, INN12_WEIGHTS_12)


def ogrn13(n: int | None = None) -> str:
    head = "10277" + f"{(n if n is not None else next(_serial)) % 10**7:07d}"
    return head + str(int(head) % 11 % 10)


def ogrnip15(n: int | None = None) -> str:
    head = "30450" + f"{(n if n is not None else next(_serial)) % 10**9:09d}"
    return head + str(int(head) % 13 % 10)


def llc(name: str, **extra: Any) -> dict[str, Any]:
    """CreateClientOrganizationInput of a company (OOO) with fresh valid numbers."""
    return {
        "name": name,
        "legalForm": "OOO",
        "inn": inn10(),
        "kpp": "773601001",
        "ogrn": ogrn13(),
        "taxRegime": "USN_INCOME",
        **extra,
    }


def sole_proprietor(name: str, **extra: Any) -> dict[str, Any]:
    """CreateClientOrganizationInput of a sole proprietor (IP) with fresh valid numbers."""
    return {
        "name": name,
        "legalForm": "IP",
        "inn": inn12(),
        "ogrn": ogrnip15(),
        "taxRegime": "PATENT",
        **extra,
    }


# ------------------------------------------------------------------------------ GraphQL

ORG = """
  id name legalForm inn kpp ogrn taxRegime status enabledModules archivedAt
  responsibleManager { id email displayName }
  moderators { id email }
"""
RESULT = f"""
  __typename
  ... on ClientOrganization {{ {ORG} }}
  ... on Error {{ code message }}
  ... on ValidationError {{ field }}
"""
CREATE = f"""mutation($input: CreateClientOrganizationInput!) {{
  createClientOrganization(input: $input) {{ {RESULT} }} }}"""


def create(c: GraphQLClient, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The createClientOrganization result, whatever its type."""
    return c.execute(CREATE, {"input": data}, **kw)["createClientOrganization"]


def created(c: GraphQLClient, data: dict[str, Any]) -> dict[str, Any]:
    """A new organization; fails unless it was created."""
    result = create(c, data)
    assert result["__typename"] == "ClientOrganization", result
    return result


# ----------------------------------------------------------------------------- personas


@dataclass(frozen=True)
class Staff:
    """Person ids: firm A's admin and two managers, firm B's admin."""

    admin_a: int
    manager_a: int
    manager2_a: int
    admin_b: int


@pytest.fixture(scope="module")
def staff(db_engine, firms) -> Staff:  # type: ignore[no-untyped-def]
    a, b = firms["a"].id, firms["b"].id
    admin_a = make_person(db_engine, "Анна Админова")
    manager_a = make_person(db_engine, "Мария Менеджерова")
    manager2_a = make_person(db_engine, "Пётр Второй")
    admin_b = make_person(db_engine, "Bob Bravo")
    add_membership(db_engine, admin_a, a, "staff", ["firm_admin"])
    add_membership(db_engine, manager_a, a, "staff", ["manager"])
    add_membership(db_engine, manager2_a, a, "staff", ["manager"])
    add_membership(db_engine, admin_b, b, "staff", ["firm_admin"])
    far_apart_ids(
        db_engine, schema_for(firms["a"].slug), ("client_organizations", "client_contacts")
    )
    return Staff(admin_a, manager_a, manager2_a, admin_b)


def far_apart_ids(db_engine: sa.Engine, schema: str, tables: tuple[str, ...]) -> None:
    """Firm A's ids start far above firm B's, so "A's id at B" names nothing at B (ids are
    per schema; the same number at B would be B's own, legitimately visible row). Once per
    database: later modules reuse the numbering."""
    with db_engine.begin() as conn:
        for table in tables:
            sequence = f"{schema}.{table}_id_seq"
            conn.exec_driver_sql(
                f"SELECT setval('{sequence}', 1000000, false) "
                f"WHERE (SELECT last_value FROM {sequence}) < 1000000"
            )
