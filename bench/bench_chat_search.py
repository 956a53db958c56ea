"""Chat search over 1,000,000 generated Russian messages in one firm: p50/p95 of `chatSearch`
(first 20, highlighted fragments) over GraphQL/HTTP, for the firm's admin (every
conversation) and for a client user (its organization's conversation only).

The rows are written by SQL into a dedicated bench tenant on a fresh database (not through
the API): ORGANIZATIONS organizations with a conversation each, MESSAGES messages spread over
them and over two years, their text drawn from Russian accounting phrases (common words, word
forms for the stemmer, one rare word in 1 of 20,000 messages; half of them carry a document
number, a sum, a date or an INN, as real ones do: the vocabulary is wide). The text-search index is
built after the rows, then ANALYZE. The API runs as one `saas serve` process; requests are
sequential on one keep-alive connection. The plan of each query (EXPLAIN ANALYZE of the
statement `chatSearch` runs, for the admin) is printed with `--plans`.

    python -m bench.bench_chat_search [--write-docs] [--messages N] [--plans]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.dialects import postgresql

from bench.bench_fanout import BASE_DOMAIN, serving
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.auth.tokens import CSRF_COOKIE, SESSION_COOKIE, digest, new_secret
from saas.core.actor import Actor
from saas.db.migrate import sync_engine, upgrade_shared
from saas.modules.chat.models import ChatMessage
from saas.modules.chat.service.search import search_statement
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url

SLUG = "chatsearch"
ORGANIZATIONS = 100
MESSAGES = 1_000_000
REQUESTS = 100  # per query and viewer
WARM_UP = 10
GOAL_P95_SECONDS = 0.05
SEARCH = """query($text: String!) { chatSearch(text: $text, first: 20) { edges { node {
  organizationName message { id body createdAt files { name } }
  fragments { text match } } } pageInfo { hasNextPage endCursor } } }"""
# What a person types: a frequent word in another form than stored ("декларации" for
# "декларация", ~1 message in 6), two words that occur together (~1 in 12), a rare word
# (~1 in 20,000), a word no message holds.
QUERIES = (
    ("frequent word, another form", "декларации"),
    ("two words", "акт сверки"),
    ("rare word", "апостиль"),
    ("no match", "криптовалюта"),
)
SUBJECTS = [
    "Декларация по НДС",
    "Акт сверки с поставщиком",
    "Выписка банка",
    "Счёт-фактура",
    "Расчёт по страховым взносам",
    "Отчёт 6-НДФЛ",
    "Платёжное поручение",
    "Договор аренды",
    "Товарная накладная",
    "Табель учёта рабочего времени",
    "Авансовый отчёт",
    "Уведомление об исчисленных налогах",
]
PREDICATES = [
    "отправлен в налоговую",
    "принят без замечаний",
    "нужно подписать до пятницы",
    "во вложении, проверьте, пожалуйста",
    "пришло требование о пояснениях",
    "готов, ждём оплату",
    "не хватает первичных документов",
    "исправили и отправили повторно",
]
TAILS = [
    "Спасибо!",
    "Когда будет готово?",
    "Позвоните, пожалуйста, бухгалтеру.",
    "Документы пришлём завтра курьером.",
    "Сумма к уплате изменилась.",
    "Оригиналы передадим при встрече.",
    "Уточните реквизиты получателя.",
]


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def _seed(url: str, tenant_id: int, messages: int) -> dict[str, Any]:
    """Organizations, conversations, messages; the admin's and a client's sessions."""
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        schema = str(
            conn.execute(
                "SELECT schema_name FROM shared.tenants WHERE id = %s", (tenant_id,)
            ).fetchone()[0]  # type: ignore[index]
        )
        s = f'"{schema}"'
        conn.execute(
            f"INSERT INTO {s}.client_organizations (name, legal_form, inn, kpp, ogrn, tax_regime) "
            "SELECT 'ООО «Клиент ' || i || '»', 'ooo', lpad((7700000000 + i)::text, 10, '0'), "
            "'773601001', lpad((1027700000000 + i)::text, 13, '0'), 'osno' "
            "FROM generate_series(1, %s) AS i",
            (ORGANIZATIONS,),
        )
        conn.execute(
            f"UPDATE {s}.client_organizations SET enabled_modules = "
            "array_append(array_remove(enabled_modules, 'chat'), 'chat')"
        )
        conn.execute(
            f"INSERT INTO {s}.chat_conversations (organization_id) "
            f"SELECT id FROM {s}.client_organizations ON CONFLICT DO NOTHING"
        )
        conversations = [
            int(r[0])
            for r in conn.execute(f"SELECT id FROM {s}.chat_conversations ORDER BY id").fetchall()
        ]
        started = time.monotonic()
        # The index is built once after the rows (as a restore would): much faster than
        # maintaining it row by row; the same definition as the migration's.
        conn.execute(f"DROP INDEX {s}.ix_chat_messages_search")
        conn.execute(
            f"INSERT INTO {s}.chat_messages (conversation_id, author_side, kind, body, "
            "author_person_id, created_at) "
            "SELECT c[1 + (i / 12) %% array_length(c, 1)], "
            "CASE WHEN i %% 3 = 0 THEN 'staff' ELSE 'client' END, 'text', "
            f"(subjects)[1 + i %% {len(SUBJECTS)}] || ' ' || "
            f"(predicates)[1 + (i / 7) %% {len(PREDICATES)}] || '. ' || "
            f"(tails)[1 + (i / 13) %% {len(TAILS)}] || "
            # What makes a real vocabulary wide: numbers, sums, dates of documents.
            "CASE i %% 4 WHEN 0 THEN ' Счёт № ' || (i * 7 %% 900001) || ' на сумму ' || "
            "(i * 13 %% 500000) || ' руб.' WHEN 1 THEN ' Платёжка от ' || "
            "to_char(date '2024-01-01' + (i %% 700), 'DD.MM.YYYY') || ', ИНН ' || "
            "(7700000000 + i %% 99991) ELSE '' END || "
            "CASE WHEN i % 20000 = 17 THEN ' Нужен апостиль на доверенность.' ELSE '' END, "
            "NULL, %s::timestamptz - make_interval(secs => (%s - i) * 60) "
            "FROM generate_series(1, %s) AS i, "
            f"(SELECT %s::bigint[] AS c, {_array(SUBJECTS)} AS subjects, "
            f"{_array(PREDICATES)} AS predicates, {_array(TAILS)} AS tails) AS words".replace(
                "i % 20000", "i %% 20000"
            ),
            (now - timedelta(minutes=1), messages, messages, conversations),
        )
        inserted = time.monotonic() - started
        conn.execute(
            f"CREATE INDEX ix_chat_messages_search ON {s}.chat_messages USING gin (search)"
        )
        conn.execute(f"ANALYZE {s}.chat_messages")
        indexed = time.monotonic() - started - inserted
        conn.execute(
            f"UPDATE {s}.chat_conversations c SET last_message_id = m.id, "
            f"last_message_at = m.created_at FROM (SELECT DISTINCT ON (conversation_id) "
            f"conversation_id, id, created_at FROM {s}.chat_messages "
            "ORDER BY conversation_id, id DESC) m WHERE m.conversation_id = c.id"
        )
        first_org = conn.execute(f"SELECT min(id) FROM {s}.client_organizations").fetchone()
        org_id = int(first_org[0])  # type: ignore[index]
        admin = _person(conn, tenant_id, "admin@chatsearch.bench", "staff", ["firm_admin"], None)
        client = _person(conn, tenant_id, "client@chatsearch.bench", "client", None, org_id)
        conn.execute(
            f"WITH c AS (INSERT INTO {s}.client_contacts (organization_id, person_id, status, "
            "is_client_admin) VALUES (%s, %s, 'active', false) RETURNING id) "
            f"INSERT INTO {s}.client_grants (contact_id, module) SELECT id, 'chat' FROM c",
            (org_id, client[0]),
        )
        size = conn.execute(
            f"SELECT pg_size_pretty(pg_total_relation_size('{s}.chat_messages'))"
        ).fetchone()[0]  # type: ignore[index]
    return {
        "schema": schema,
        "admin": admin[1:],
        "client": client[1:],
        "tenant_id": tenant_id,
        "client_person": client[0],
        "org_id": org_id,
        "inserted": inserted,
        "indexed": indexed,
        "size": size,
    }


def _person(
    conn: psycopg.Connection[Any],
    tenant_id: int,
    email: str,
    kind: str,
    roles: list[str] | None,
    org_id: int | None,
) -> tuple[int, str, str]:
    """A person with one membership and a session: (person id, session secret, CSRF)."""
    person = int(
        conn.execute(
            "INSERT INTO shared.people (email, display_name) VALUES (%s, %s) RETURNING id",
            (email, email.split("@")[0]),
        ).fetchone()[0]  # type: ignore[index]
    )
    conn.execute(
        "INSERT INTO shared.memberships (person_id, tenant_id, kind, client_org_id, roles) "
        "VALUES (%s, %s, %s, %s, %s)",
        (person, tenant_id, kind, org_id, roles or ["client_member"]),
    )
    secret, csrf = new_secret(32), new_secret(24)
    conn.execute(
        "INSERT INTO shared.sessions (token_hash, csrf_token, person_id, tenant_id, "
        "mfa_passed, expires_at) VALUES (%s, %s, %s, %s, true, %s)",
        (digest(secret), csrf, person, tenant_id, datetime.now(UTC) + timedelta(days=1)),
    )
    return person, secret, csrf


def _timed(c: GraphQLClient, text: str, n: int) -> tuple[list[float], int]:
    out = []
    hits = 0
    for _ in range(n):
        started = time.perf_counter()
        response = c.post({"query": SEARCH, "variables": {"text": text}})
        out.append(time.perf_counter() - started)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        hits = len(body["data"]["chatSearch"]["edges"])
    return out, hits


def explain(url: str, seeded: dict[str, Any], viewer: str, text: str) -> str:
    """EXPLAIN ANALYZE of a viewer's search statement, as the API builds it."""
    if viewer == "admin":
        actor = Actor(seeded["tenant_id"], "person:0", 0, staff=True, firm_wide=True)
    else:
        person = seeded["client_person"]
        orgs = frozenset({seeded["org_id"]})
        actor = Actor(seeded["tenant_id"], f"person:{person}", person, client_org_ids=orgs)
    only = None
    if viewer != "admin":  # as `only_conversation` finds it: the organization's one
        with psycopg.connect(url) as conn:
            found = conn.execute(
                f'SELECT id FROM "{seeded["schema"]}".chat_conversations '
                "WHERE organization_id = %s",
                (seeded["org_id"],),
            ).fetchall()
        only = int(found[0][0]) if len(found) == 1 else None
    stmt = search_statement(actor, text, None, only).order_by(ChatMessage.id.desc()).limit(21)
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    sql = sql.replace("tenant.", f'"{seeded["schema"]}".')  # the schema_translate_map's key
    with psycopg.connect(url) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()  # type: ignore[arg-type]
    return "\n".join(r[0] for r in rows)


def run(messages: int = MESSAGES, plans: bool = False) -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_chat_search")
    engine = sync_engine(url)
    times: dict[str, dict[str, list[float]]] = {}
    hits: dict[str, dict[str, int]] = {}
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Поиск по переписке")
        seeded = _seed(url, tenant_id, messages)
        print(
            f"{messages} messages written in {seeded['inserted']:.0f} s, indexed in "
            f"{seeded['indexed']:.0f} s ({seeded['size']})",
            flush=True,
        )
        if plans:
            for viewer in ("admin", "client"):
                for _, text in QUERIES:
                    plan = explain(url, seeded, viewer, text)
                    print(f"--- plan, {viewer}: {text}\n{plan}", flush=True)
        host = f"{SLUG}.{BASE_DOMAIN}"
        with serving(url, SLUG) as (port, _env, _tmp, _pid):
            for viewer in ("admin", "client"):
                secret, csrf = seeded[viewer]
                c = GraphQLClient(f"http://127.0.0.1:{port}", host)
                c.cookies = {SESSION_COOKIE: secret, CSRF_COOKIE: csrf}
                times[viewer], hits[viewer] = {}, {}
                for name, text in QUERIES:
                    _timed(c, text, WARM_UP)
                    times[viewer][name], hits[viewer][name] = _timed(c, text, REQUESTS)
                c.close()
    finally:
        engine.dispose()
        drop_database(server, url)
    return {"machine": where, "messages": messages, "times": times, "hits": hits, **seeded}


def report(result: dict[str, Any]) -> str:
    rows = []
    everything = []
    for viewer, label in (("admin", "firm admin"), ("client", "client user")):
        for name, text in QUERIES:
            t = result["times"][viewer][name]
            everything += t
            rows.append(
                f"| {label} | {name}: «{text}» | {result['hits'][viewer][name]} | "
                f"{median(t) * 1000:.1f} | {percentile(t, 95) * 1000:.1f} | "
                f"{max(t) * 1000:.1f} |"
            )
    p95 = percentile(everything, 95)
    return "\n".join(
        [
            f"`python -m bench.bench_chat_search` on {result['machine']}.",
            "",
            f"`chatSearch(text:, first: 20)` (highlighted fragments, the message with its "
            f"files, the organization's name) over {result['messages']:,} generated Russian "
            f"messages in one firm ({ORGANIZATIONS} organizations' conversations, "
            f"{result['size']} with indexes; written by SQL in {result['inserted']:.0f} s, "
            f"the text-search index built in {result['indexed']:.0f} s), over GraphQL/HTTP "
            f"(`saas serve`, session cookie), {REQUESTS} sequential requests per row after "
            f"{WARM_UP} to warm up. The firm admin searches every conversation; the client "
            "user its organization's (1 of "
            f"{ORGANIZATIONS}, with the 'chat' grant):",
            "",
            "| viewer | query | hits | p50 ms | p95 ms | max ms |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Target p95 <= {GOAL_P95_SECONDS * 1000:.0f} ms: "
            f"{'met' if p95 <= GOAL_P95_SECONDS else 'NOT met'} (p95 of every request "
            f"{p95 * 1000:.1f} ms).",
            "",
            "Runs of 2026-12-05 on this host (AMD EPYC, PostgreSQL 15.20; the 2026-12-04 runs "
            "were on an Intel Xeon with PostgreSQL 18.6), p95 of every request: before the "
            "change below 40.0 / 15.9 / 17.1 ms (median 17.1; load average 5, 2.8, 1.4), "
            "after it 11.9 / 14.5 / 11.9 ms (median 11.9; load average 0.6-2; the table above "
            "is the third). A client user who sees exactly one conversation (a contact of one "
            "organization, the common case) now searches it by a constant conversation id "
            "(`only_conversation`, read first in the same request; the scope's clause stays), "
            "so the planner reads that conversation newest first through "
            "`ix_chat_messages_conversation`: the client's «декларации» was an Index Scan "
            "Backward on the primary key reading 24,401 messages of the whole firm to keep "
            "the 21 of its conversation (20.1 ms in the database) and reads 252 of its own "
            "(0.85 ms); over HTTP its p50 / p95 went from 15.0-31.5 / 17.5-56.4 ms to "
            "10.9-13.5 / 11.8-19.0 ms. The price is that read of the conversation: a client's "
            "rare word or no match 6.7 -> 8.7 ms at p50.",
            "",
            "The search's work of 2026-12-04 (that day's host, load average 2-10 from other "
            "work; `--plans` prints EXPLAIN ANALYZE of each query). Before, the file-name "
            "match was an EXISTS per message in an OR with the text match: no index could "
            "answer the OR, so every search read the messages backwards by id until it had "
            "a page, and one that finds fewer than a page read the whole table. With the "
            "first generated data (a vocabulary of ~60 words, no numbers), p50/p95 ms: firm "
            "admin, rare word 211/445, no match 341/610; client user, rare word 483/890, no "
            "match 632/894 (frequent words 12-15/19-46). The file-name match is now `id = "
            "ANY(ARRAY(SELECT message_id FROM chat_message_files WHERE name ILIKE ...))`, an "
            "InitPlan computed once and an index condition, so the planner may OR it with the "
            "GIN index on the `russian` tsvector (BitmapOr) and sort the few matches. On the "
            "same narrow data the client user's rare word went to 27/62 and no match to "
            "12/24; the admin's stayed slow (213/416, 816/1035): with ~60 distinct words the "
            "tsvector statistics hold every word, so a word outside them gets PostgreSQL's "
            "default selectivity (0.5%, ~5,000 rows) and the planner still prefers the "
            "backward scan. Real messages carry numbers, sums, dates and INNs (a wide "
            "vocabulary, as the data above now does), which makes the statistics' floor small: "
            "the rare word and no match then take the BitmapOr plan (0.2-4 ms in the "
            "database) and the frequent ones the backward scan (under 1 ms).",
            "",
            "At a high load the goal's p95 is missed by the request around the query, not the "
            "query: EXPLAIN ANALYZE puts every one of these statements at 0.2-4 ms in the "
            "database, while a request takes 9-45 ms at p50; the rest is the session, the "
            "tenant transaction, `ts_headline` on the page's 20 rows and completing 20 hits "
            "with their fragments through strawberry, on a host whose 2 cores ran ~12 "
            "runnable processes. On a quiet host (the 100,000-message trial at load 1.6) "
            "every p95 was within 46 ms.",
            "",
            "What is left: a client user of several organizations (or seeing a report's or a "
            "request's conversation as well) still searches through the scope's subquery, "
            "with the backward scan of the whole firm for a frequent word. Tried on "
            "2026-12-04 and left out: the visible conversations as an array, which gives a "
            "BitmapAnd of the conversation index and the GIN index; the GIN bitmap of a "
            "frequent word (83,000 matches) alone costs ~31 ms. A composite (conversation_id, "
            "tsvector) index (btree_gin), or PostgreSQL 17+ whose btree returns "
            "`conversation_id = ANY(...)` in index order, would be the next try. The rest of "
            "a request (~6-9 ms at p50 when the statement takes ~1 ms) is the session, the "
            "tenant transaction, `ts_headline` on the page's rows and completing 20 hits "
            "through strawberry.",
        ]
    )


def main() -> dict[str, Any]:
    messages = MESSAGES
    if "--messages" in sys.argv:
        messages = int(sys.argv[sys.argv.index("--messages") + 1])
    result = run(messages, plans="--plans" in sys.argv)
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Chat search over 1,000,000 messages", text)
    return result


if __name__ == "__main__":
    main()
