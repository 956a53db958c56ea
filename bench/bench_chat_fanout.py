"""One chat message delivered live to 1,000 subscribed WebSocket clients
(`chatMessageAdded` of one conversation over graphql-transport-ws): p50/p95/max delivery time
and the API process's CPU per message.

The machinery is bench_fanout's (`serving`, `phase`: 1,000 sockets in CLIENT_PROCESSES
asyncio processes on loopback, the API as one `saas serve` process on a fresh database).
The audience: 1,000 client users (a session cookie each), active contacts of one
organization holding the 'chat' grant, each subscribed to that organization's conversation
(the server checks each one's grants on every delivery). The firm's integrator token posts
EVENTS system entries one after another through `postChatMessage` over HTTP (the message,
the inbox state, the outbox row, the in-app notifications of the 1,000 contacts, then the
announcement); a delivery's time runs from just before that POST to the client's receipt.

    python -m bench.bench_chat_fanout [--write-docs] [--clients N]
"""

from __future__ import annotations

import base64
import sys
import time
from typing import Any

import psycopg

from bench import bench_fanout
from bench.bench_fanout import BASE_DOMAIN, _client_users, phase, serving
from bench.bench_feed import _seed
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.auth.tokens import SESSION_COOKIE
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url

SLUG = "chatfanout"
CLIENTS = 1000
GOAL_P95_SECONDS = 0.25
SUBSCRIPTION = """subscription($c: ID) { chatMessageAdded(conversationId: $c) {
  sequence messageId side } }"""
POST = """mutation($org: ID!, $body: String!) { postChatMessage(input: {organizationId: $org,
  body: $body}) { __typename ... on ChatMessage { id } ... on Error { code message } } }"""


def _conversation(url: str) -> tuple[int, str, str]:
    """The first organization (its chat enabled) and its conversation: (organization pk, the
    tenant schema, the conversation's global id)."""
    with psycopg.connect(url) as conn:
        schema = conn.execute("SELECT schema_name FROM shared.tenants WHERE slug = %s", (SLUG,))
        name = str(schema.fetchone()[0])  # type: ignore[index]
        org = conn.execute(f'SELECT min(id) FROM "{name}".client_organizations')
        org_id = int(org.fetchone()[0])  # type: ignore[index]
        conn.execute(
            f'UPDATE "{name}".client_organizations SET enabled_modules = '
            "array_append(array_remove(enabled_modules, 'chat'), 'chat') WHERE id = %s",
            (org_id,),
        )
        found = conn.execute(
            f'INSERT INTO "{name}".chat_conversations (organization_id) VALUES (%s) '
            "ON CONFLICT DO NOTHING RETURNING id",
            (org_id,),
        ).fetchone()
        if found is None:
            found = conn.execute(
                f'SELECT id FROM "{name}".chat_conversations WHERE organization_id = %s '
                "AND report_id IS NULL",
                (org_id,),
            ).fetchone()
        conversation = int(found[0])  # type: ignore[index]
    return org_id, name, base64.b64encode(f"ChatConversation:{conversation}".encode()).decode()


def run(clients: int = CLIENTS) -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_chat_fanout")
    engine = sync_engine(url)
    deadline = time.monotonic() + bench_fanout.TIMEOUT
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Переписка")
        token = _seed(url, tenant_id)
        org_id, schema, conversation = _conversation(url)
        secrets = _client_users(url, tenant_id, schema, org_id, clients, grant="chat")
        org = base64.b64encode(f"ClientOrganization:{org_id}".encode()).decode()
        host = f"{SLUG}.{BASE_DOMAIN}"
        with serving(url, SLUG) as (port, env, tmp, pid):
            api = GraphQLClient(f"http://127.0.0.1:{port}", host, token=token)

            def send(i: int) -> None:
                body = f"Документы за {i + 1}-й месяц приняты в обработку."
                posted = api.execute(POST, {"org": org, "body": body})["postChatMessage"]
                assert posted["__typename"] == "ChatMessage", posted

            headers = [{"Cookie": f"{SESSION_COOKIE}={secret}"} for secret in secrets]
            payload = {"query": SUBSCRIPTION, "variables": {"c": conversation}}
            result = phase(port, host, env, tmp, pid, headers, payload, send, deadline)
            api.close()
    finally:
        engine.dispose()
        drop_database(server, url)
    return {"machine": where, "processes": bench_fanout.CLIENT_PROCESSES, **result}


def report(result: dict[str, Any]) -> str:
    def row(name: str, times: list[float], cpu: float) -> str:
        return (
            f"| {name} | {median(times) * 1000:.0f} | {percentile(times, 95) * 1000:.0f} | "
            f"{max(times) * 1000:.0f} | {min(times) * 1000:.0f} | {cpu * 1000:.0f} |"
        )

    everything = [t for event in result["per_event"] for t in event]
    p95 = percentile(everything, 95)
    cpu = result["cpu"]
    return "\n".join(
        [
            f"`python -m bench.bench_chat_fanout` on {result['machine']}.",
            "",
            f"One chat message (a system entry posted by the integrator token with "
            f"`postChatMessage` over HTTP) delivered to {result['clients']} client users "
            "subscribed to the organization's conversation with `chatMessageAdded` "
            "(graphql-transport-ws, a session cookie each, every one an active contact with "
            f"the 'chat' grant; clients in {result['processes']} asyncio processes on "
            "loopback, API as one `saas serve` process; connecting and subscribing took "
            f"{result['connected']:.1f} s). Time from just before the mutation's POST to "
            "each client's receipt, and the API process's CPU time on the message (the "
            "mutation with the in-app notifications of every contact, then the deliveries, "
            "in the 1.5 s before the next; the last one's also holds the sockets closing; "
            "median for all):",
            "",
            "| | p50 ms | p95 ms | max ms | min ms | API CPU ms |",
            "|---|---|---|---|---|---|",
            *[row(f"message {i + 1}", t, cpu[i]) for i, t in enumerate(result["per_event"])],
            row("all deliveries", everything, median(cpu)),
            "",
            f"Target p95 <= {GOAL_P95_SECONDS * 1000:.0f} ms: "
            f"{'met' if p95 <= GOAL_P95_SECONDS else 'NOT met'} (p95 {p95 * 1000:.0f} ms).",
            "",
            "Runs of 2026-12-04, while other work kept the 2-core machine at load average "
            "6-13 (the numbers move a lot with it): the first full run (load 6.5) had p50 "
            "807 ms, p95 3,115 ms, API CPU 1,620 / 720 / 560 ms for messages 1-3. Then each "
            "subscriber's organizations are read when it subscribes instead of at the first "
            "event, and the `ChatMessageEvent` / `ChatReadEvent` are built once per event "
            "and marked `shared_event` (one result for every subscriber selecting the same "
            "plain fields, as the reports' status events since 2026-12-02): the first "
            "message no longer waits for 1,000 reads (its p95 3,492 -> 956 ms, its CPU "
            "1,620 -> 700 ms, p95 984 ms for all at load 12 on the Intel Xeon / PostgreSQL "
            "18.6 host of that day), but the steady cost per "
            "message stayed 420-610 ms of CPU.",
            "",
            "2026-12-05 (load average 1-5): a client subscriber's 'chat' grants come from "
            "the process's shared `LiveGrants` (one statement re-reads every stale "
            "subscriber of the firm; before, each subscriber's own 30-second cache lapsed "
            "for all of them together and the next message paid 1,000 reads), and the "
            "mutation writes the 1,000 in-app notifications as one INSERT ... SELECT FROM "
            "unnest(people, audiences) with the payload sent once (it was a VALUES list of "
            "5,000 parameters compiled and encoded in Python before the commit that "
            "announces the message). The same host's run just before: p50 414 ms, p95 "
            "559 ms (messages 1-3 p95 449 / 478 / 667 ms).",
            "",
            "What limits it now: the first message after the sockets connect pays the "
            "mutation's cold path (its min delivery ~150 ms against ~50 ms for the next "
            "ones) and the first execution of the subscribers' operation, so its p95 was "
            "over 250 ms in two of three runs; the next messages are delivered in ~100-150 ms "
            "p50, ~140-200 ms p95, at ~0.1-0.3 ms of API CPU per delivery. Next steps: a "
            "pre-serialized frame per operation document (the JSON of the shared result is "
            "still encoded per subscriber), warming the mutation's statements at start, and "
            "more API processes (each delivers only to its own sockets).",
        ]
    )


def main() -> dict[str, Any]:
    clients = CLIENTS
    if "--clients" in sys.argv:
        clients = int(sys.argv[sys.argv.index("--clients") + 1])
    result = run(clients)
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Chat message fan-out to 1,000 WebSocket clients", text)
    return result


if __name__ == "__main__":
    main()
