"""The test suite's own shape (docs/contributing.md, Tests): helpers, factories and personas
live in support modules (tests/support/<domain>.py, tests/e2e/support.py); a test module
imports no other test module and no conftest; a conftest imports support modules only (it
registers their fixtures); a fixed sleep says why it is not a poll."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def kind_of(name: str) -> str:
    last = name.rsplit(".", 1)[-1]
    if last == "conftest":
        return "conftest"
    if last.startswith("test_"):
        return "test module"
    return "support"


def is_module(name: str) -> bool:
    return (ROOT / Path(*name.split("."))).with_suffix(".py").exists()


def imported(module: str, source: str) -> set[str]:
    """Every tests.* module `source` imports, anywhere in it (a function's own imports
    too); for `from package import name` also package.name, which may be a module."""
    package = module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("tests.")}


def wrong_imports(module: str, source: str, exists: Callable[[str], bool]) -> list[str]:
    return [
        f"{module} ({kind_of(module)}) imports {target} ({kind_of(target)})"
        for target in sorted(imported(module, source))
        if kind_of(target) != "support" and exists(target)
    ]


def test_test_modules_and_conftests_import_only_support_modules() -> None:
    wrong = [
        line
        for path in sorted(TESTS.rglob("*.py"))
        for line in wrong_imports(module_name(path), path.read_text(encoding="utf-8"), is_module)
    ]
    assert wrong == [], (
        "move what is shared into tests/support/<domain>.py (or tests/e2e/support.py) and "
        "import it from there; a shared fixture is registered by the conftest of the folder "
        "that uses it",
        wrong,
    )


def unexplained_sleeps(source: str) -> list[int]:
    """Lines calling time.sleep or asyncio.sleep without a comment on the line or just above
    it (a wait for something is a poll: tests/support/waiting.py)."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "sleep"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("time", "asyncio")
        ):
            line = lines[node.lineno - 1]
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if "#" not in line and not above.startswith("#"):
                found.append(node.lineno)
    return found


def test_fixed_sleeps_say_why() -> None:
    waiting = TESTS / "support" / "waiting.py"
    unexplained = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if path != waiting and (lines := unexplained_sleeps(path.read_text(encoding="utf-8")))
    }
    assert unexplained == {}, (
        "a wait for something to happen polls with tests/support/waiting.py (eventually, "
        "async_eventually); a sleep that is the point (a TTL, a negative wait) says so in a "
        "comment on its line",
        unexplained,
    )


def test_the_sleep_check_sees_a_bare_sleep() -> None:
    source = (
        "import asyncio, time\n"
        "time.sleep(1)\n"
        "time.sleep(2)  # the point: a TTL expires\n"
        "# the hub's LISTEN\n"
        "asyncio.sleep(0.5)\n"
        "async def f():\n"
        "    await asyncio.sleep(0.1)\n"
    )
    assert unexplained_sleeps(source) == [2, 7]


def test_the_import_check_sees_each_kind_of_forbidden_import() -> None:
    source = (
        "from tests.modules.test_reports_api import World\n"
        "from tests.support.reports import build_world\n"
        "from . import conftest\n"
        "def f():\n"
        "    import tests.test_migrations\n"
    )
    assert wrong_imports("tests.e2e.test_x", source, lambda name: True) == [
        "tests.e2e.test_x (test module) imports tests.e2e.conftest (conftest)",
        "tests.e2e.test_x (test module) imports tests.modules.test_reports_api (test module)",
        "tests.e2e.test_x (test module) imports tests.test_migrations (test module)",
    ]
    # A module imported by its package is one; a name from a support module never is.
    assert wrong_imports("tests.test_x", "from tests.modules import test_reports_api", is_module)
    assert wrong_imports("tests.test_x", "from tests.support.jobs import test_x", is_module) == []
