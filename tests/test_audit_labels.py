"""Every action the code writes to the audit log has its Russian and English words.

The actions are read from the source (`saas/**/*.py`, outside the audit module): the string
constants `<object>.<verb>` passed to a call whose name holds "audit" or "record_change"
(audit, audit_shared, a module's own wrapper), and the constant head of an f-string action
(`f"client_organization.{action}"`: some worded action starts with it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from saas.modules.audit.labels import ACTIONS, GROUPS, action_label, group_label
from saas.settings import PROJECT_ROOT

ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")
HEAD = re.compile(r"^[a-z_]+\.$")


def written_actions() -> tuple[set[str], set[str]]:
    exact: set[str] = set()
    heads: set[str] = set()
    for path in (PROJECT_ROOT / "saas").rglob("*.py"):
        if "migrations" in path.parts or path.is_relative_to(PROJECT_ROOT / "saas/modules/audit"):
            continue
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if "audit" not in name and name != "record_change":
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if ACTION.match(arg.value):
                        exact.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) and arg.values:
                    first = arg.values[0]
                    if isinstance(first, ast.Constant) and HEAD.match(str(first.value)):
                        heads.add(str(first.value))
    return exact, heads


def test_every_written_action_has_words() -> None:
    exact, heads = written_actions()
    # The reader finds what is known to be written (so an empty scan cannot pass).
    assert {"client_organization.create", "role.create", "api_token.create"} <= exact
    assert "client_organization." in heads
    assert sorted(exact - ACTIONS.keys()) == [], "give these actions words in audit/labels.py"
    for head in heads:
        assert any(action.startswith(head) for action in ACTIONS), head
    for action in exact:
        assert action.split(".", 1)[0] in GROUPS, action


def test_words_in_both_languages() -> None:
    assert action_label("role.create", "ru") == "Создана роль"
    assert action_label("role.create", "en") == "Role created"
    assert action_label("no_such.action", "en") == "no_such.action"
    assert group_label("role", "en") == "Roles"
    for label in ACTIONS.values():
        assert label.ru and label.en and label.ru != label.en
