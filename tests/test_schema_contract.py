"""The committed schema.graphql is the contract integrators read: it must match the code."""

from __future__ import annotations

import difflib

from saas.schema.root import build_schema
from saas.settings import PROJECT_ROOT, Settings

SCHEMA_FILE = PROJECT_ROOT / "schema.graphql"


def test_schema_graphql_matches_the_code() -> None:
    generated = build_schema(Settings()).as_str() + "\n"
    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `make schema`"
    committed = SCHEMA_FILE.read_text()
    if committed != generated:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "schema.graphql (committed)",
                "build_schema() (code)",
                n=1,
            )
        )
        raise AssertionError(
            "schema.graphql differs from the schema the code builds: run `make schema` "
            f"and commit the result.\n{diff[:4000]}"
        )


def test_schema_builds_twice_in_one_process() -> None:
    # Several apps per test session (and the export) build the schema again; strawberry's
    # relay field extensions must not break or duplicate arguments on a second build.
    assert build_schema(Settings()).as_str() == build_schema(Settings()).as_str()
