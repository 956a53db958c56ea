"""The proof of one notice over GraphQL: `chatNoticeProof(noticeId)` (who was asked, who did
what and when, from where), `exportChatNoticeProof(noticeId, format)` (CSV or PDF, a
background job) and `chatNoticeProofExport(id)` (its progress, then a short-lived link).
Staff with `chat:read` over the organization.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from saas.core.actor import actor_of, actor_with
from saas.core.exports import export_link
from saas.core.ids import IdRefused, gid, pk_of
from saas.core.job_status import JobStatus
from saas.db.core_models import Job
from saas.jobs import job_state, submit_job
from saas.modules.chat.graphql.notice_types import (
    ChatExportFormat,
    ChatNoticeActionKind,
    ChatNoticeKind,
    value_of,
)
from saas.modules.chat.jobs import EXPORT_KIND, PDF, export_chat_notice_proof, export_params
from saas.modules.chat.policy import CHAT_PERMISSIONS
from saas.modules.chat.service.notices import access_notice
from saas.modules.chat.service.proof import Proof, ProofRow, load_proof
from saas.modules.clients.service import ClientsError
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import ForbiddenError, NotFoundError, error_result
from saas.storage import tenant_files


@strawberry.type(name="ChatNoticeProofEntry", description="One recorded action of the proof.")
class ChatNoticeProofEntry:
    at: datetime
    person_id: strawberry.ID | None
    person_name: str
    person_email: str
    action: ChatNoticeActionKind
    action_label: str = strawberry.field(description="The action in the viewer's language.")
    ip: str | None
    user_agent: str | None
    file_name: str | None
    version_sha256: str | None
    comment: str | None

    @classmethod
    def of(cls, row: ProofRow, language: str) -> ChatNoticeProofEntry:
        return cls(
            at=row.at,
            person_id=gid("Person", row.person_id) if row.person_id else None,
            person_name=row.person_name,
            person_email=row.person_email,
            action=ChatNoticeActionKind(row.action),
            action_label=row.action_label(language),
            ip=row.ip,
            user_agent=row.user_agent,
            file_name=row.file_name,
            version_sha256=row.sha256,
            comment=row.comment,
        )


@strawberry.type(
    name="ChatNoticeProof",
    description="The proof of one notice: the facts, who was asked, and every action.",
)
class ChatNoticeProofType:
    notice_id: strawberry.ID
    kind: ChatNoticeKind
    title: str
    organization_name: str
    posted_at: datetime
    posted_by: str
    file_name: str | None
    file_sha256: str | None = strawberry.field(description="The SHA-256 of the version sent.")
    recipients: list[str] = strawberry.field(description="The names of the contacts asked.")
    pending: list[str] = strawberry.field(description="Those who have not acted yet.")
    recipients_done: int
    recipients_total: int
    outcome: str = strawberry.field(description="In the viewer's language.")
    reminded_at: datetime | None = strawberry.field(
        description="When the one reminder went to those still to answer."
    )
    entries: list[ChatNoticeProofEntry]

    @classmethod
    def of(cls, proof: Proof, language: str) -> ChatNoticeProofType:
        return cls(
            notice_id=strawberry.ID(proof.notice_ref),
            kind=ChatNoticeKind(proof.kind),
            title=proof.title,
            organization_name=proof.organization_name,
            posted_at=proof.posted_at,
            posted_by=proof.posted_by,
            file_name=proof.file_name,
            file_sha256=proof.file_sha256,
            recipients=proof.recipient_names,
            pending=proof.pending_names,
            recipients_done=proof.recipients_done,
            recipients_total=proof.recipients_total,
            outcome=proof.outcome(language),
            reminded_at=proof.reminded_at,
            entries=[ChatNoticeProofEntry.of(r, language) for r in proof.rows],
        )


@strawberry.type(
    name="ChatNoticeProofExport",
    description="The proof of a notice as a CSV or PDF file: progress, then a download link.",
)
class ChatNoticeProofExportType:
    pk: strawberry.Private[int]
    key: strawberry.Private[str | None]
    format: ChatExportFormat
    status: JobStatus
    error: str | None
    rows: int | None = strawberry.field(description="Actions in the file, once done.")

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("ChatNoticeProofExport", self.pk)

    @strawberry.field(description="A short-lived link to the file once the export is done.")
    async def download_url(self, info: Info) -> str | None:
        if self.key is None:
            return None
        files = tenant_files(info.context.services, info.context.tenant)
        if self.format == ChatExportFormat.PDF:
            return await files.download_url(
                self.key, filename=f"notice-proof-{self.pk}.pdf", content_type=PDF
            )
        return await export_link(files, self.key, f"notice-proof-{self.pk}.csv")

    @classmethod
    def of(cls, row: Job) -> ChatNoticeProofExportType:
        result = row.result or {}
        done = row.status == "done"
        return cls(
            pk=row.id,
            key=result.get("key") if done else None,
            format=ChatExportFormat((row.params or {}).get("format") or "csv"),
            status=JobStatus(row.status),
            error=row.error,
            rows=result.get("rows") if done else None,
        )


ChatNoticeProofResult = Annotated[
    ChatNoticeProofType | NotFoundError | ForbiddenError,
    strawberry.union("ChatNoticeProofResult"),
]
ExportChatNoticeProofResult = Annotated[
    ChatNoticeProofExportType | NotFoundError | ForbiddenError,
    strawberry.union("ExportChatNoticeProofResult"),
]
ChatNoticeProofExportLookup = Annotated[
    ChatNoticeProofExportType | NotFoundError, strawberry.union("ChatNoticeProofExportLookup")
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The proof of one notice (staff with `chat:read` over its organization).",
        extensions=requires("chat", "read"),
    )
    async def chat_notice_proof(
        self, info: Info, notice_id: strawberry.ID
    ) -> ChatNoticeProofResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        try:
            pk = await pk_of(ctx, "ChatNotice", notice_id, field="noticeId")
            proof = await load_proof(ctx.db, ctx.shared, viewer, pk, ctx.tenant.name)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeProofType.of(proof, viewer_language(info))

    @strawberry.field(
        description="A proof export started by exportChatNoticeProof (its starter's, or any "
        "for staff seeing the whole firm).",
        extensions=requires("chat", "read"),
    )
    async def chat_notice_proof_export(
        self, info: Info, id: strawberry.ID
    ) -> ChatNoticeProofExportLookup:
        try:
            job_id = await pk_of(info.context, "ChatNoticeProofExport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        actor = actor_of(info.context)
        theirs = actor.firm_wide or (row is not None and row.created_by == actor.person_id)
        if row is None or row.kind != EXPORT_KIND or not theirs:
            return NotFoundError(code="NOT_FOUND", message="Export not found.")
        return ChatNoticeProofExportType.of(row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Export the proof of one notice as CSV or PDF (a background job); follow "
        "it with `chatNoticeProofExport(id)`, which offers the file when done. Words in the "
        "viewer's language. Staff with `chat:read` over its organization.",
        extensions=requires("chat", "read"),
    )
    async def export_chat_notice_proof(
        self, info: Info, notice_id: strawberry.ID, format: ChatExportFormat
    ) -> ExportChatNoticeProofResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        try:
            pk = await pk_of(ctx, "ChatNotice", notice_id, field="noticeId")
            await access_notice(ctx.db, viewer, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            export_chat_notice_proof,
            params=export_params(pk, value_of(format), viewer_language(info), viewer.acting()),
            created_by=ctx.principal.person_id,
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return ChatNoticeProofExportType.of(row)
