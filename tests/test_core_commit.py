"""The one after-commit API (saas.core.commit) and the one audit writer (saas.core.audit),
against a firm's real tenant session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text

from saas.core.actor import Actor
from saas.core.audit import audit, audit_shared
from saas.core.commit import after_commit, settled
from saas.db.core_models import AuditEntry
from saas.db.session import shared_transaction, tenant_session, tenant_transaction
from saas.services import Services
from saas.settings import Settings


@pytest.fixture
async def services(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    built = Services.build(settings, database_url)
    yield built
    await built.close()


async def _tenant(services: Services, firms: Any, name: str = "a") -> Any:
    tenant = await services.registry.by_id(firms[name].id)
    assert tenant is not None
    return tenant


async def test_callbacks_run_after_the_outermost_commit_only(
    services: Services, firms: Any
) -> None:
    tenant = await _tenant(services, firms)
    ran: list[str] = []

    def note(name: str) -> Any:
        async def callback() -> None:
            # The change is visible from another connection: the commit really happened.
            async with tenant_transaction(services.engine, tenant) as other:
                seen = await other.scalar(
                    select(AuditEntry.id).where(AuditEntry.action == f"test.{name}")
                )
            ran.append(f"{name}:{'seen' if seen else 'unseen'}")

        return callback

    async with tenant_transaction(services.engine, tenant) as session:
        await audit(session, Actor.system(tenant.id, "test"), "test.first", "test", 1)
        after_commit(session, note("first"))
        async with session.begin_nested():  # a savepoint's release is no commit
            after_commit(session, note("first"), key="same")
            after_commit(session, note("ignored"), key="same")  # once per key
        assert ran == []
    assert ran == ["first:seen", "first:seen"]


async def test_a_released_savepoint_runs_nothing_until_the_commit(
    services: Services, firms: Any
) -> None:
    """SQLAlchemy sends after_commit when a SAVEPOINT is released too: a callback registered
    in one (an ON_ANNOUNCE hook's, e.g. the webhook deliveries' enqueue) must still wait for
    the outermost COMMIT, or a worker may look for rows not committed yet (the soak found
    webhook deliveries left pending that way) or act on a transaction that then rolls back."""
    tenant = await _tenant(services, firms)
    ran: list[str] = []

    def note(name: str) -> Any:
        async def callback() -> None:
            async with tenant_transaction(services.engine, tenant) as other:
                seen = await other.scalar(
                    select(AuditEntry.id).where(AuditEntry.action == f"test.{name}")
                )
            ran.append(f"{name}:{'seen' if seen else 'unseen'}")

        return callback

    async with tenant_transaction(services.engine, tenant) as session:
        async with session.begin_nested():
            await audit(session, Actor.system(tenant.id, "test"), "test.saved", "test", 1)
            after_commit(session, note("saved"))
        await asyncio.sleep(0.3)  # what a callback started at the release would have done
        assert ran == []
        after_commit(session, note("saved"), key="again")
    assert ran == ["saved:seen", "saved:seen"]

    with pytest.raises(RuntimeError):
        async with tenant_transaction(services.engine, tenant) as session:
            async with session.begin_nested():
                after_commit(session, note("never"))
            raise RuntimeError("refused after the savepoint")
    await asyncio.sleep(0.3)  # a negative wait: what a callback would have done by now
    assert ran == ["saved:seen", "saved:seen"]


async def test_nothing_runs_after_a_rollback(services: Services, firms: Any) -> None:
    tenant = await _tenant(services, firms)
    ran: list[str] = []

    async def callback() -> None:
        ran.append("ran")

    with pytest.raises(RuntimeError):
        async with tenant_transaction(services.engine, tenant) as session:
            after_commit(session, callback)
            raise RuntimeError("refused")
    # The same session used again: the dropped callback does not come back with the next commit.
    async with tenant_session(services.engine, tenant) as session:
        await session.execute(text("SELECT 1"))
        after_commit(session, callback)
        await session.rollback()
        await session.execute(text("SELECT 1"))
        await session.commit()
        await settled(session)
    assert ran == []


async def test_a_failing_callback_does_not_stop_the_others(services: Services, firms: Any) -> None:
    tenant = await _tenant(services, firms)
    ran: list[str] = []

    async def broken() -> None:
        raise ValueError("boom")

    async def fine() -> None:
        ran.append("fine")

    async with tenant_transaction(services.engine, tenant) as session:
        after_commit(session, broken)
        after_commit(session, fine)
    assert ran == ["fine"]


async def test_audit_from_a_shared_transaction_lands_in_that_firm_only(
    services: Services, firms: Any
) -> None:
    a, b = await _tenant(services, firms, "a"), await _tenant(services, firms, "b")
    marker = "test.shared-audit"
    async with shared_transaction(services.engine) as shared:
        await audit_shared(shared, a, "person:0", marker, "test", 7, ip="192.0.2.1", n=1)
        # Back to the shared schema's role within the same transaction.
        assert await shared.scalar(text("SELECT current_user")) == await shared.scalar(
            text("SELECT session_user")
        )
    async with tenant_transaction(services.engine, a) as session:
        rows = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action == marker)))
            .scalars()
            .all()
        )
    assert [(r.actor, r.object_id, r.data, r.ip) for r in rows][-1:] == [
        ("person:0", "7", {"n": 1}, "192.0.2.1")
    ]
    async with tenant_transaction(services.engine, b) as session:
        assert (
            await session.scalar(select(AuditEntry.id).where(AuditEntry.action == marker)) is None
        )


async def test_audit_refuses_a_session_without_a_firm(services: Services) -> None:
    async with shared_transaction(services.engine) as shared:
        with pytest.raises(RuntimeError):
            await audit(shared, "person:0", "test.none", "test", 1)
