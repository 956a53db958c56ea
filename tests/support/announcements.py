"""The announcements of writes the API has answered (issue 15): a mutation no longer waits for
its outbox events' claim, NOTIFY and ON_ANNOUNCE hooks (`saas.events.publish_in` registers
them `background=True`). A test reading what a hook writes (a fix request, a chat entry, a
webhook delivery) or counting the live server's statements waits for them first."""

from __future__ import annotations

from saas.core.commit import running_callbacks
from tests.support.waiting import eventually


def announced(within: float = 15) -> None:
    """Until no after-commit task of this process (the in-process live server's) is running:
    every write answered so far has been announced and its hooks have committed."""
    eventually(
        lambda: running_callbacks() == 0,
        within=within,
        what="the announcements of the writes answered so far",
    )
