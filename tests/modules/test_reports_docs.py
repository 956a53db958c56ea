"""docs/integrate.md cannot rot: the GraphQL bodies of its "Pushing report statuses" curl
examples run, in order, against the live server (shell variables filled in as a reader
would), and its Python subscription example receives a status change."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.modules.test_clients_api import llc
from tests.modules.test_reports_import import worker  # noqa: F401  (the import job runs)
from tests.support.auth import login
from tests.support.client import GraphQLClient

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrate.md"
HEREDOC = re.compile(r"```sh\n(curl [^\n]*)<<EOF\n(.*?)\nEOF\n```", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)


def section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 4)
    return text[start : end if end != -1 else None]


def curl_examples() -> list[tuple[str, str]]:
    return HEREDOC.findall(section("Pushing report statuses"))


def body(template: str, env: dict[str, str]) -> dict[str, Any]:
    """What `sh` makes of an unquoted heredoc: $NAME expanded (no other escapes are used)."""
    assert "\\$" not in template and "`" not in template
    return json.loads(re.sub(r"\$([A-Z_]+)", lambda m: env[m.group(1)], template))


def run(c: GraphQLClient, template: str, env: dict[str, str]) -> dict[str, Any]:
    response = c.post(body(template, env))
    assert response.status_code == 200, response.text
    result = response.json()
    assert "errors" not in result, result
    return dict(result["data"])


@pytest.mark.usefixtures("worker")
def test_the_curl_examples_run_in_order(client, firms, people) -> None:  # type: ignore[no-untyped-def]
    examples = curl_examples()
    assert len(examples) == 11, [e[0] for e in examples]
    host = firms["a"].host
    admin_person = people["a"].admin
    env = {"ADMIN_EMAIL": admin_person.email, "ADMIN_PASSWORD": admin_person.password}
    started = datetime.now(UTC) - timedelta(seconds=1)

    admin = client(host)  # keeps the cookie jar and echoes X-CSRF-Token, as the doc says
    (login_cmd, login), (token_cmd, create_token), *rest = examples
    assert "-c cookies.txt" in login_cmd and "X-CSRF-Token" in token_cmd
    assert run(admin, login, env)["login"]["__typename"] == "LoginSuccess"
    created = run(admin, create_token, env)["createApiToken"]
    assert created["__typename"] == "ApiTokenCreated", created
    env["TOKEN"] = created["token"]
    organization = llc(f"Документация {uuid.uuid4().hex[:4]}")
    org = admin.execute(
        """mutation($input: CreateClientOrganizationInput!) {
             createClientOrganization(input: $input) { ... on ClientOrganization { id } } }""",
        {"input": organization},
    )["createClientOrganization"]["id"]
    env["INN"] = organization["inn"]

    integrator = client(host, token=env["TOKEN"])
    (_, find_orgs), (_, create), (_, record), (_, again), (_, feed), (_, bulk), (_, follow) = rest[
        :7
    ]
    (_, attach), (_, document_link) = rest[7:]
    listed = run(integrator, find_orgs, env)["clientOrganizations"]["edges"]
    assert org in [e["node"]["id"] for e in listed]
    env["ORG"] = org
    report = run(integrator, create, env)["createReport"]
    assert report["__typename"] == "Report" and report["status"] == "DRAFT", report
    env["REPORT"] = report["id"]
    first = run(integrator, record, env)["recordReportEvent"]
    assert first["__typename"] == "ReportEventRecorded", first
    assert (first["duplicate"], first["report"]["status"]) == (False, "SENT")
    second = run(integrator, again, env)["recordReportEvent"]
    assert (second["duplicate"], second["report"]["status"]) == (True, "SENT")
    env["SINCE"] = started.isoformat()
    rows = [e["node"] for e in run(integrator, feed, env)["reports"]["edges"]]
    assert report["id"] in [r["id"] for r in rows]
    mine = next(r for r in rows if r["id"] == report["id"])
    assert (mine["formCode"], mine["periodCode"], mine["status"]) == ("vat", "Q3", "SENT")
    # The other firm's token sees nothing of it.
    env_b = dict(env, SINCE=started.isoformat())
    other = client(firms["b"].host, token=env["TOKEN"]).post(body(feed, env_b))
    assert other.status_code == 403, other.text

    # The CSV import names the report by INN, form and period; follow it until done.
    started = run(integrator, bulk, env)["importReportEvents"]
    assert (started["__typename"], started["total"]) == ("ReportImport", 2), started
    env["IMPORT"] = started["id"]
    deadline = time.monotonic() + 30
    while (state := run(integrator, follow, env)["reportImport"])["status"] != "done":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
    assert (state["done"], state["recorded"], state["failed"]) == (2, 2, 0), state
    timeline = integrator.execute(
        "query($id: ID!) { report(id: $id) { ... on Report { status timeline { text } } } }",
        {"id": report["id"]},
    )["report"]
    assert timeline["status"] == "ACCEPTED"
    assert timeline["timeline"][-1]["text"] == "Accepted; receipt attached"

    # Documents: the event with two files (as `base64 -w0` encodes them), a retry changes
    # nothing, then a link whose GET answers the same bytes.
    receipt = b'<?xml version="1.0"?>\n<Kvitanciya><Prinyat>1</Prinyat></Kvitanciya>\n'
    notice = b'<?xml version="1.0"?>\n<Izveshchenie><Vvod>1</Vvod></Izveshchenie>\n'
    env["RECEIPT_CONTENT"] = base64.b64encode(receipt).decode()
    env["NOTICE_CONTENT"] = base64.b64encode(notice).decode()
    attached = run(integrator, attach, env)["recordReportEvent"]
    assert attached["__typename"] == "ReportEventRecorded", attached
    documents = attached["event"]["documents"]
    assert [(d["kind"], d["name"], d["size"]) for d in documents] == [
        ("RECEIPT", "receipt.xml", len(receipt)),
        ("NOTICE_OF_INPUT", "notice-of-input.xml", len(notice)),
    ]
    assert attached["report"]["documentCount"] == 2
    retry = run(integrator, attach, env)["recordReportEvent"]
    assert (retry["duplicate"], retry["report"]["documentCount"]) == (True, 2)
    env["DOCUMENT"] = documents[0]["id"]
    got = run(integrator, document_link, env)["reportDocumentLink"]
    assert got["__typename"] == "ReportDocumentLink", got
    url = got["url"]
    response = (
        integrator.http.get(url, headers={"host": host})
        if url.startswith("/")
        else httpx.get(url, timeout=10)
    )
    assert response.status_code == 200 and response.content == receipt


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
        await asyncio.sleep(0.5)
        await asyncio.to_thread(
            integrator.execute,
            """mutation($r: ID!) { recordReportEvent(input: {reportId: $r, externalId: "doc-ws-1",
                 kind: ACCEPTED, occurredAt: "2026-03-20T10:00:00+03:00"}) { __typename } }""",
            {"r": report},
        )
        out = ""
        for _ in range(100):
            await asyncio.sleep(0.1)
            out += capsys.readouterr().out
            if report in out:
                break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return out

    printed = asyncio.run(scenario())
    assert f"{report} ACCEPTED" in printed
