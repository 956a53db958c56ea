"""Documents of report events for tests: event documents of known types, recording an event
with documents, the report's documents and download links, the objects in the file store.

Uses the reports world (tests/support/reports.py)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from tests.support.client import GraphQLClient
from tests.support.documents import b64
from tests.support.reports import external_id

XML = (
    '<?xml version="1.0" encoding="windows-1251"?>\n<Файл ИдФайл="NO_NDS_7701_7701">'
    '<Документ КНД="1151001"/></Файл>\n'
).encode()
RECEIPT = b'<?xml version="1.0"?>\n<Kvitanciya><Prinyat>1</Prinyat></Kvitanciya>\n'

DOC = "id kind name size contentType createdAt downloadable"
RECORD = f"""mutation($input: RecordReportEventInput!) {{ recordReportEvent(input: $input) {{
  __typename
  ... on ReportEventRecorded {{ duplicate event {{ id documents {{ {DOC} }} }}
     report {{ id status documentCount flowComplete documents {{ {DOC} }} }} }}
  ... on Error {{ code message }} ... on ValidationError {{ field }} }} }}"""
ONE = f"""query($id: ID!) {{ report(id: $id) {{ __typename
  ... on Report {{ status documentCount flowComplete overdue followUpDue
                  documents {{ {DOC} }} timeline {{ externalId documents {{ id kind }} }} }}
  ... on NotFoundError {{ code }} }} }}"""
LINK = """mutation($d: ID!) { reportDocumentLink(documentId: $d) { __typename
  ... on ReportDocumentLink { url expiresAt } ... on Error { code message } } }"""


def doc(kind: str, name: str, data: bytes) -> dict[str, str]:
    return {"kind": kind, "filename": name, "contentBase64": b64(data)}


def record(
    c: GraphQLClient,
    report: str,
    kind: str,
    when: datetime,
    documents: list[dict[str, str]] | None = None,
    ext: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reportId": report,
        "externalId": ext or external_id(kind),
        "kind": kind,
        "occurredAt": when.isoformat(),
    }
    if documents is not None:
        data["documents"] = documents
    return c.execute(RECORD, {"input": data})["recordReportEvent"]


def link(c: GraphQLClient, document: str) -> dict[str, Any]:
    return c.execute(LINK, {"d": document})["reportDocumentLink"]


def stored_objects(live_server: Any, tenant_id: int) -> set[str]:
    """Every object of the tenant under the reports prefix, straight from the file store."""
    root = live_server.app.state.services.settings.storage_url.removeprefix("file://")
    base = f"{root}/t{tenant_id}/reports"
    found = set()
    for folder, _, names in os.walk(base):
        found |= {os.path.join(folder, n) for n in names if not n.endswith(".meta")}
    return found
