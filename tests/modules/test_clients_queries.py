"""No N+1: a page of organizations with their managers, contacts, grants and people costs the
same small number of SQL statements whatever the page size (Saleor-style baseline)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from tests.support.announcements import announced
from tests.support.clients import created, llc
from tests.support.ids import person_gid, pk
from tests.support.people import add_membership, make_person

PAGE = """query($search: String, $first: Int) {
  clientOrganizations(search: $search, first: $first) {
    totalCount
    edges { node {
      id name inn viewerGrants
      responsibleManager { email displayName }
      moderators { email }
      contacts {
        id isClientAdmin invitationAccepted grants
        person { email displayName } organization { name }
      }
    } }
  }
}"""

# The whole request, as measured: session and roles (auth, 2), SET LOCAL ROLE + search_path
# of the tenant transaction (2), the page and its count (2), then one statement per loader
# round: people (managers), moderators, contacts, memberships, grants, people (contacts),
# organizations (contact.organization). Raise it only with a reason in the commit.
MAX_STATEMENTS = 13


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with lock:
            seen.append(statement)

    announced()  # earlier writes' announcements run after their answers
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_page_of_organizations_costs_a_constant_number_of_statements(
    login,
    firms,
    staff,
    db_engine,
    live_server,
) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    tag = f"nplus1-{uuid.uuid4().hex[:6]}"
    orgs = [
        created(
            admin,
            llc(
                f"{tag} {i:02d}",
                responsibleManagerId=person_gid(staff.manager_a if i % 2 else staff.manager2_a),
                moderatorIds=[person_gid(staff.manager2_a)],
            ),
        )
        for i in range(20)
    ]
    # Two contacts with grants per organization, written directly: the API is not under test.
    schema = "tenant_" + firms["a"].slug.replace("-", "_")
    with db_engine.begin() as conn:
        for org in orgs:
            org_pk = pk(org["id"])
            for n in range(2):
                person = make_person(db_engine, f"Контакт {n}")
                add_membership(
                    db_engine, person, firms["a"].id, "client", ["client_member"], org_pk
                )
                contact = conn.execute(
                    sa.text(
                        f'INSERT INTO "{schema}".client_contacts '
                        "(organization_id, person_id, is_client_admin) "
                        "VALUES (:o, :p, :a) RETURNING id"
                    ),
                    {"o": org_pk, "p": person, "a": n == 0},
                ).scalar_one()
                conn.execute(
                    sa.text(
                        f'INSERT INTO "{schema}".client_grants (contact_id, module) '
                        "VALUES (:c, 'reports'), (:c, 'upload')"
                    ),
                    {"c": contact},
                )

    engine = live_server.app.state.services.engine.sync_engine
    admin.execute(PAGE, {"search": tag, "first": 1})  # warm caches (policy, registry)
    counts = {}
    for size in (5, 20):
        with statements(engine) as seen:
            data = admin.execute(PAGE, {"search": tag, "first": size})["clientOrganizations"]
        edges = data["edges"]
        assert data["totalCount"] == 20 and len(edges) == size
        assert all(len(e["node"]["contacts"]) == 2 for e in edges)
        assert all(e["node"]["contacts"][0]["grants"] == ["REPORTS", "UPLOAD"] for e in edges)
        assert all(e["node"]["contacts"][0]["person"]["displayName"] == "Контакт 0" for e in edges)
        assert all(e["node"]["moderators"][0]["email"] for e in edges)
        counts[size] = len(seen)
    assert counts[5] == counts[20], counts
    assert counts[20] <= MAX_STATEMENTS, counts
