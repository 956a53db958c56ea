"""Who may do what with service requests.

Two layers, as in the chat:
- Casbin (saas.rbac.defaults.DEFAULT_POLICY): staff read requests, departments and catalogs
  with `requests:read`, work on requests (review, accept, reject, checklist, done, comment)
  with `requests:write`, set up departments, templates and clients' catalogs with
  `requests:manage`. Client users hold no `requests` permission (a staff object): they need
  `client_cabinet:read`.
- Grants and scope (service/scope.py): staff see the organizations the core's
  `organization_filter` lets them see; a contact those granting it 'requests'.

The open requests' due dates (planned and hard) are a source of the agenda
(`saas.core.agenda`): the 15-day interactions calendar and the iCalendar feed show them.
A report rejected by the tax authority opens a request (service/report_fixes.py): an
`ON_ANNOUNCE` hook of `saas.events` on the reports' `report.status_changed` rows, so the
reports module never imports this one.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import PermissionExtension

from saas.core.actor import Actor, actor_with
from saas.core.agenda import register_source
from saas.core.modules import register_grant
from saas.events import ON_ANNOUNCE
from saas.modules.requests.service.agenda import request_deadline_events
from saas.modules.requests.service.report_fixes import open_fix_requests
from saas.rbac.permissions import StaffOrCabinet, requires

REQUESTS_GRANT = register_grant(
    "requests", ru="Заявки на услуги", en="Service requests", default=True, module="requests"
)

register_source("requests", request_deadline_events, grant="requests")
# Before the webhooks' hook, as the chat's (chat/policy.py: writes after it once left that
# hook's deliveries pending in tests/test_outbox_sweep.py).
if open_fix_requests not in ON_ANNOUNCE:
    ON_ANNOUNCE.insert(0, open_fix_requests)

REQUESTS_PERMISSIONS = (
    ("requests", "read"),
    ("requests", "write"),
    ("requests", "manage"),
    ("client_cabinet", "read"),
)

READ_NOTE = (
    "Requires `requests:read` (firm staff: the organizations they see), or "
    "`client_cabinet:read` for a client user, who then sees only organizations granting it "
    "'requests'."
)
WRITE_NOTE = (
    "Requires `requests:write` (firm staff), or `client_cabinet:read` for a client user "
    "holding the 'requests' grant of the organization."
)
MANAGE_NOTE = "Requires `requests:manage`."


# Staff with the module's permission, or a client user (the service applies the grant).
class RequestsReadable(StaffOrCabinet):
    pair = ("requests", "read")


class RequestsWritable(StaffOrCabinet):
    pair = ("requests", "write")


def reads_requests() -> list[Any]:
    return [PermissionExtension(permissions=[RequestsReadable()])]


def writes_requests() -> list[Any]:
    return [PermissionExtension(permissions=[RequestsWritable()])]


def staff_reads() -> list[Any]:
    return requires("requests", "read")


def staff_writes() -> list[Any]:
    return requires("requests", "write")


def manages() -> list[Any]:
    return requires("requests", "manage")


async def viewer_of(ctx: Any) -> Actor:
    """The request's actor with the module's permissions checked (once per request)."""
    return await actor_with(ctx, *REQUESTS_PERMISSIONS)
