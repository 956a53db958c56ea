"""One tenant's policy in memory: a Casbin FastEnforcer over that tenant's lines only.

How a check works: a principal holds role names (from its memberships, or its API token's
role; read per request, so an assignment takes effect on the next request without touching
the enforcer). `TenantPolicy.allows(roles, obj, act)` expands each role through the `g`
lines (custom roles inheriting other roles, per domain) and asks
`enforce(role, domain, obj, act)` for each role of that closure.

Why roles and not `person:<id>` subjects: the enforcer then holds only the firm's roles
(tens of lines, not one line per person), a membership change needs no policy reload, and
the subject index below stays selective.

Why cache_key_order=[1, 0] (domain, then subject) rather than the domain alone: pycasbin
evaluates the matcher in Python for every line left after the index; with 1,000 lines in a
firm, indexing by domain alone leaves 1,000 evaluations (~15 ms) per check, indexing by
(domain, role) leaves that role's few lines. (pycasbin 2.8's FastPolicy also breaks on a
one-key order as soon as anything lists the whole policy.) Decisions are memoized per
enforcer: the enforcer is immutable (rebuilt on every change), so a memo can never be stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import casbin
from casbin import persist

from saas.rbac.domains import tenant_domain

MODEL_PATH = str(Path(__file__).with_name("model.conf"))
DOMAIN_INDEX = 1
SUBJECT_INDEX = 0
CACHE_KEY_ORDER = [DOMAIN_INDEX, SUBJECT_INDEX]
MEMO_LIMIT = 8192


class PolicyRule(NamedTuple):
    """A row of shared.casbin_rule: `p` (role, domain, object, action), `g` (role, parent,
    domain) or `role` (name, domain, description) for custom roles' metadata."""

    ptype: str
    values: tuple[str, ...]


class RulesAdapter(persist.Adapter):  # type: ignore[misc]
    """Feeds rules already read from the database (saas.rbac.store reads only one tenant's
    rows: that is the filtered loading). Read-only: the enforcer is rebuilt on every change."""

    def __init__(self, rules: Iterable[PolicyRule]):
        self.rules = list(rules)

    def load_policy(self, model: casbin.Model) -> None:
        for rule in self.rules:
            if (
                rule.ptype == "p"
                and len(rule.values) == 4
                or rule.ptype == "g"
                and len(rule.values) == 3
            ):
                # Appending directly (as pycasbin's own adapters do): add_policy would count the
                # whole FastPolicy for every line, quadratic in the number of lines.
                model.model[rule.ptype[0]][rule.ptype].policy.append(list(rule.values))

    def save_policy(self, model: casbin.Model) -> bool:
        raise RuntimeError(
            "policies are written through saas.rbac.store, never saved from an enforcer"
        )


class TenantEnforcer(casbin.FastEnforcer):  # type: ignore[misc]
    """pycasbin 2.8 parses and compiles the matcher again on every enforce() call (ast.parse
    plus compile: about a third of a check). Our matcher is a constant of the model and calls
    no function, so each enforcer compiles it once. Enforcers are used from one thread (the
    event loop), which the compiled evaluator's per-call state requires."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._expressions: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    def _get_expression(self, expr: str, functions: Any = None) -> Any:
        expression = self._expressions.get(expr)
        if expression is None:
            expression = self._expressions[expr] = casbin.FastEnforcer._get_expression(
                expr, functions
            )
        return expression


def new_enforcer(rules: Iterable[PolicyRule]) -> casbin.FastEnforcer:
    return TenantEnforcer(MODEL_PATH, RulesAdapter(rules), cache_key_order=CACHE_KEY_ORDER)


class TenantPolicy:
    """The policy of one tenant (its domain and the domains under it), read-only."""

    def __init__(
        self, tenant_id: int | None, rules: Iterable[PolicyRule], *, domain: str | None = None
    ):
        self.tenant_id = tenant_id
        self.domain = domain or tenant_domain(tenant_id or 0)
        rules = list(rules)
        self.enforcer = new_enforcer(rules)
        # (role, domain) pairs that inherit something. pycasbin's role manager adds every name
        # it is asked about to its role table (and then scans that table on each lookup), so
        # only roles that have `g` lines are ever asked about.
        self._heirs = {
            (r.values[0], r.values[2]) for r in rules if r.ptype == "g" and len(r.values) == 3
        }
        self._closures: dict[tuple[str, str], tuple[str, ...]] = {}
        self._decisions: dict[tuple[tuple[str, ...], str, str, str], bool] = {}

    def role_closure(self, role: str, domain: str | None = None) -> tuple[str, ...]:
        """The role and every role it inherits in the domain."""
        domain = domain or self.domain
        key = (role, domain)
        if key not in self._heirs:
            return (role,)
        closure = self._closures.get(key)
        if closure is None:
            inherited = self.enforcer.get_implicit_roles_for_user(role, domain)
            closure = (role, *(r for r in inherited if r != role))
            self._closures[key] = closure
        return closure

    def allows(self, roles: Sequence[str], obj: str, act: str, domain: str | None = None) -> bool:
        domain = domain or self.domain
        key = (tuple(roles), domain, obj, act)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decide(roles, domain, obj, act)
            if len(self._decisions) >= MEMO_LIMIT:
                self._decisions.clear()
            self._decisions[key] = decision
        return decision

    def _decide(self, roles: Sequence[str], domain: str, obj: str, act: str) -> bool:
        seen: set[str] = set()
        for role in roles:
            for each in self.role_closure(role, domain):
                if each in seen:
                    continue
                seen.add(each)
                if self.enforcer.enforce(each, domain, obj, act):
                    return True
        return False
