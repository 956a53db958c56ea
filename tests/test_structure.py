"""The code's shape, as docs/contributing.md states it: file sizes, and the import contracts'
exceptions named in the rulebook (`make lint` runs the contracts themselves: lint-imports)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_no_file_in_saas_is_over_500_lines_but_migrations() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "saas").rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_listed_import_cycle_and_graphql_exception_is_named_in_contributing() -> None:
    rulebook = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    listed = {
        line
        for contract in ("no-cycles", "graphql-private")
        for line in contracts()[contract].get("ignore_imports", [])  # type: ignore[attr-defined]
    }
    assert listed, "the contracts list their exceptions in pyproject.toml"
    missing = sorted(line for line in listed if f"`{line}`" not in rulebook)
    assert missing == [], "name these in docs/contributing.md (Import cycles) with the reason"


def test_the_contracts_cover_the_rules_of_the_rulebook() -> None:
    found = contracts()
    assert found["core-below-modules"]["source_modules"] == ["saas.core"]
    assert found["core-below-modules"]["forbidden_modules"] == ["saas.modules"]
    assert found["graphql-private"]["forbidden_modules"] == ["saas.modules.*.graphql"]
    assert found["no-cycles"]["type"] == "acyclic_siblings"
    assert found["no-cycles"]["ancestors"] == ["saas"]


# ------------------------------------------------------------------ SQL lives in services
# "Resolvers translate arguments and results, nothing else; SQL lives in services": a GraphQL
# file (saas/**/graphql/*.py, saas/**/graphql.py, saas/**/*_graphql.py) builds and runs no
# statement and imports no sqlalchemy; it calls its module's service (or a DataLoader).
SQL_CALLS = frozenset({"select", "insert", "update", "delete", "text"})
SQL_METHODS = frozenset({"execute", "scalar", "scalars", "stream"})
SQL_ALLOWED = {
    # The feed's and the report page's GraphQL-to-SQL compilers: they turn a query's
    # selection into one statement by design (their spine, saas/schema/compiled.py, is
    # outside the GraphQL files scanned here).
    "saas/modules/reports/graphql/compiled.py": "compiles the feed's selection into SQL",
    "saas/modules/reports/graphql/compiled_report.py": "compiles the report page into SQL",
    "saas/modules/reports/graphql/compiled_fields.py": "a report's selection as SQL",
}


def graphql_files() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "saas").rglob("*.py")
        if "graphql" in path.relative_to(ROOT).parts[:-1]
        or path.stem == "graphql"
        or path.stem.endswith("_graphql")
    )


def sql_in(source: str, name: str) -> list[str]:
    """`name:line what` for each SQL call, SQL method call and sqlalchemy import."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(source)):
        what = None
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in SQL_CALLS:
                what = f"{node.func.id}()"
            elif isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS:
                what = f".{node.func.attr}()"
        elif isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] == "sqlalchemy" for alias in node.names):
                what = "import sqlalchemy"
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if (node.module or "").split(".")[0] == "sqlalchemy":
                what = f"from {node.module} import"
        if what is not None:
            found.add((getattr(node, "lineno", 0), what))
    return [f"{name}:{line} {what}" for line, what in sorted(found)]


def test_graphql_files_build_and_run_no_sql() -> None:
    files = graphql_files()
    assert len(files) > 20, "the GraphQL files are found"
    found = [
        line
        for path in files
        if (name := str(path.relative_to(ROOT))) not in SQL_ALLOWED
        for line in sql_in(path.read_text(encoding="utf-8"), name)
    ]
    assert found == [], "move these statements into the module's service (docs/contributing.md)"


def test_the_sql_allow_list_names_scanned_files_that_hold_sql() -> None:
    scanned = {str(path.relative_to(ROOT)): path for path in graphql_files()}
    for name, reason in SQL_ALLOWED.items():
        assert reason, name
        assert name in scanned, f"{name} is allowed but no longer a GraphQL file: drop its line"
        assert sql_in(scanned[name].read_text(encoding="utf-8"), name), f"{name} holds no SQL"


def test_the_sql_check_flags_every_kind_it_names() -> None:
    source = "\n".join(
        [
            "import sqlalchemy as sa",
            "from sqlalchemy.orm import Bundle",
            "from .sqlalchemy import fine",
            "stmt = select(Row).where(Row.id == 1)",
            "insert(Row); update(Row); delete(Row); text('SELECT 1')",
            "rows = await ctx.db.execute(stmt)",
            "one = await ctx.db.scalar(stmt); many = await ctx.db.scalars(stmt)",
            "async for row in await ctx.db.stream(stmt): pass",
            "found = await service.reports_by_id(ctx.db, actor, ids)",
            "selected = info.selected_fields; row.update_at = 1",
        ]
    )
    assert sql_in(source, "x.py") == [
        "x.py:1 import sqlalchemy",
        "x.py:2 from sqlalchemy.orm import",
        "x.py:4 select()",
        "x.py:5 delete()",
        "x.py:5 insert()",
        "x.py:5 text()",
        "x.py:5 update()",
        "x.py:6 .execute()",
        "x.py:7 .scalar()",
        "x.py:7 .scalars()",
        "x.py:8 .stream()",
    ]
