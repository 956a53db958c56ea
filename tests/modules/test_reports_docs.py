"""docs/integrate.md cannot rot: its Python subscription example receives a status change.
(Its shell walkthrough runs as written against the demo in tests/test_integrate_guide.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import uuid
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from tests.support.auth import login
from tests.support.clients import llc
from tests.support.waiting import async_eventually

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrate.md"
PYTHON = re.compile(r"```python\n(.*?)```", re.S)


def section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 4)
    return text[start : end if end != -1 else None]


def test_the_python_subscription_example_receives_a_change(
    client, firms, people, live_server, capsys
) -> None:  # type: ignore[no-untyped-def]
    code = PYTHON.findall(section("Subscribing to report statuses"))[0]
    runnable, last = code.rstrip().rsplit("\n", 1)
    assert last.startswith("asyncio.run(follow(")
    namespace: dict[str, Any] = {}
    exec(compile(runnable, "integrate.md", "exec"), namespace)
    # Loopback stands in for DNS: the URL keeps the firm's host name.
    namespace["connect"] = functools.partial(connect, host="127.0.0.1", port=live_server.port)

    admin = client(firms["a"].host)
    login(admin, people["a"].admin.email, people["a"].admin.password)
    token = admin.execute(
        'mutation { createApiToken(name: "doc-ws") { ... on ApiTokenCreated { token } } }'
    )["createApiToken"]["token"]
    org = admin.execute(
        """mutation($input: CreateClientOrganizationInput!) {
             createClientOrganization(input: $input) { ... on ClientOrganization { id } } }""",
        {"input": llc(f"Подписка {uuid.uuid4().hex[:4]}")},
    )["createClientOrganization"]["id"]
    integrator = client(firms["a"].host, token=token)
    report = integrator.execute(
        """mutation($org: ID!) { createReport(input: {organizationId: $org, formCode: "usn",
             periodYear: 2025, periodCode: "Y", authorityCode: "7701"}) {
             ... on Report { id } } }""",
        {"org": org},
    )["createReport"]["id"]

    async def scenario() -> str:
        url = f"ws://{firms['a'].host}:{live_server.port}/graphql"
        task = asyncio.create_task(namespace["follow"](url, token))
        # The example connects and subscribes, then the server's hub LISTENs: nothing of it
        # shows outside, so the wait is the hub's (tests/support/live.py) plus the connect.
        await asyncio.sleep(0.5)
        await asyncio.to_thread(
            integrator.execute,
            """mutation($r: ID!) { recordReportEvent(input: {reportId: $r, externalId: "doc-ws-1",
                 kind: ACCEPTED, occurredAt: "2026-03-20T10:00:00+03:00"}) { __typename } }""",
            {"r": report},
        )
        out = ""

        def printed() -> bool:
            nonlocal out
            out += capsys.readouterr().out
            return report in out

        try:
            await async_eventually(printed, within=10, what="the example to print the change")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return out

    printed = asyncio.run(scenario())
    assert f"{report} ACCEPTED" in printed
