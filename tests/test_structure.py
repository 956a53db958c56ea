"""The code's shape, as docs/contributing.md states it: file sizes, and the import contracts'
exceptions named in the rulebook (`make lint` runs the contracts themselves: lint-imports)."""

from __future__ import annotations

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
