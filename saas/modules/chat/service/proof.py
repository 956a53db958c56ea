"""The proof of one notice: who was asked, who did what and when, from which address and
browser, and for a file the SHA-256 of the version opened. One `Proof` feeds the GraphQL
query (`chatNoticeProof`), the CSV and the PDF (`exportChatNoticeProof`), so the three agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from saas.auth.models import Person
from saas.core.actor import Actor
from saas.core.exports import CsvExport
from saas.modules.chat.models import ChatMessageFile
from saas.modules.chat.service.errors import forbidden
from saas.modules.chat.service.notices import COMPLETING, access_notice, actions_of
from saas.modules.clients.models import ClientOrganization
from saas.modules.documents.models import DriveFileVersion

KIND_WORDS: dict[str, tuple[str, str]] = {
    "info": ("Информационное", "Informational"),
    "must_read": ("С подтверждением прочтения", "Confirm reading"),
    "must_open_file": ("С просмотром файла", "Open the file"),
    "must_approve": ("Требует согласования", "Approve or decline"),
}
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "read": ("Подтвердил прочтение", "Confirmed reading"),
    "opened": ("Открыл файл", "Opened the file"),
    "approved": ("Согласовал", "Approved"),
    "declined": ("Отклонил", "Declined"),
}
CSV_HEADER = (
    "notice_id",
    "notice_kind",
    "time_utc",
    "person_id",
    "person_name",
    "person_email",
    "action",
    "action_label",
    "ip",
    "user_agent",
    "file_name",
    "file_sha256",
    "comment",
)


def _words(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    ru, en = table.get(key, (key, key))
    return en if language == "en" else ru


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class ProofRow:
    at: datetime
    person_id: int | None
    person_name: str
    person_email: str
    action: str
    ip: str | None
    user_agent: str | None
    file_name: str | None = None
    sha256: str | None = None
    comment: str | None = None

    @property
    def at_text(self) -> str:
        return _time(self.at)

    def action_label(self, language: str) -> str:
        return _words(ACTION_WORDS, self.action, language)

    def details(self, language: str) -> str:
        parts = []
        if self.file_name:
            parts.append(self.file_name)
        if self.sha256:
            parts.append(f"SHA-256 {self.sha256}")
        if self.comment:
            parts.append(("Comment: " if language == "en" else "Комментарий: ") + self.comment)
        return "\n".join(parts)


@dataclass
class Proof:
    notice_id: int
    notice_ref: str  # the notice's global id, as the API names it
    kind: str
    title: str
    text: str
    firm_name: str
    organization_name: str
    posted_at: datetime
    posted_by: str
    file_name: str | None
    file_sha256: str | None
    recipient_names: list[str]
    pending_names: list[str]
    recipients_done: int
    recipients_total: int
    rows: list[ProofRow] = field(default_factory=list)
    reminded_at: datetime | None = None  # the one reminder to those still to answer
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def posted_at_text(self) -> str:
        return _time(self.posted_at)

    @property
    def reminded_at_text(self) -> str | None:
        return _time(self.reminded_at) if self.reminded_at is not None else None

    @property
    def generated_at_text(self) -> str:
        return _time(self.generated_at)

    def kind_label(self, language: str) -> str:
        return _words(KIND_WORDS, self.kind, language)

    @property
    def needs_action(self) -> bool:
        return bool(COMPLETING.get(self.kind))

    def outcome(self, language: str) -> str:
        if not self.needs_action:
            return "No action needed" if language == "en" else "Действие не требуется"
        done, total = self.recipients_done, self.recipients_total
        return f"Done: {done} of {total}" if language == "en" else f"Выполнено: {done} из {total}"

    def csv(self, language: str) -> CsvExport:
        export = CsvExport(CSV_HEADER)
        for row in self.rows:
            export.add(
                [
                    self.notice_ref,
                    self.kind,
                    row.at.astimezone(UTC).isoformat(),
                    row.person_id,
                    row.person_name,
                    row.person_email,
                    row.action,
                    row.action_label(language),
                    row.ip,
                    row.user_agent,
                    row.file_name,
                    row.sha256,
                    row.comment,
                ]
            )
        return export


async def people_of(shared: AsyncSession, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """person id -> (name, e-mail), read in the shared schema."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await shared.execute(
        select(Person.id, Person.email, Person.display_name).where(Person.id.in_(wanted))
    )
    return {pid: (name or email, email) for pid, email, name in rows}


async def load_proof(
    session: AsyncSession, shared: AsyncSession, actor: Actor, notice_id: int | None, firm: str
) -> Proof:
    """The proof of one notice the actor (staff) sees: its facts, recipients and actions."""
    if not actor.staff:
        raise forbidden(
            "STAFF_ONLY",
            "Подтверждение по уведомлению видят только сотрудники фирмы.",
            "Only the firm's staff see the proof of a notice.",
        )
    row = await access_notice(session, actor, notice_id)
    notice, message = row.notice, row.message
    actions = (await actions_of(session, [notice.id]))[notice.id]
    file_name = sha256 = None
    if notice.version_id is not None:
        sha256 = await session.scalar(
            select(DriveFileVersion.sha256).where(DriveFileVersion.id == notice.version_id)
        )
        file_name = await session.scalar(
            select(ChatMessageFile.name).where(ChatMessageFile.message_id == message.id).limit(1)
        )
    organization = await session.scalar(
        select(ClientOrganization.name).where(
            ClientOrganization.id == row.conversation.organization_id
        )
    )
    recipients = row.recipients
    people = await people_of(
        shared, [*recipients, *(a.person_id for a in actions), message.author_person_id or 0]
    )
    done = {a.person_id for a in actions if a.action in COMPLETING.get(notice.kind, ())}
    unknown = ("", "")
    return Proof(
        notice_id=notice.id,
        notice_ref=relay.to_base64("ChatNotice", notice.id),
        kind=notice.kind,
        title=row.title,
        text=row.text,
        firm_name=firm,
        organization_name=organization or "",
        posted_at=notice.created_at,
        posted_by=people.get(message.author_person_id or 0, unknown)[0],
        file_name=file_name,
        file_sha256=sha256,
        recipient_names=[people.get(p, unknown)[0] or str(p) for p in recipients],
        pending_names=[people.get(p, unknown)[0] or str(p) for p in recipients if p not in done],
        recipients_done=len(done & set(recipients)),
        recipients_total=len(recipients),
        reminded_at=notice.reminded_at,
        rows=[
            ProofRow(
                at=a.at,
                person_id=a.person_id,
                person_name=people.get(a.person_id, unknown)[0],
                person_email=people.get(a.person_id, unknown)[1],
                action=a.action,
                ip=a.ip,
                user_agent=a.user_agent,
                file_name=file_name if a.action == "opened" else None,
                sha256=a.version_sha256,
                comment=a.comment,
            )
            for a in actions
        ],
    )
