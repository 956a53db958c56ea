"""Marks and notices over GraphQL (staff post them, clients answer notices).

Queries: `chatMarks` (the firm's marks for its settlements: by organization, kinds and
dates), `chatNotices(organizationId)`, `chatNotice(id)`. Mutations: `postChatMark`,
`postChatNotice`, `actOnChatNotice`. The proof and its export are in notice_proof.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of, actor_with
from saas.core.ids import IdRefused, filter_pk, optional_pk_of, pk_of
from saas.modules.chat.graphql.inputs import ChatFileInput
from saas.modules.chat.graphql.notice_types import (
    ChatMarkKind,
    ChatMarkType,
    ChatNoticeAnswer,
    ChatNoticeKind,
    ChatNoticeType,
    value_of,
)
from saas.modules.chat.models import ChatMessage, ChatNotice
from saas.modules.chat.policy import CHAT_PERMISSIONS, READ_NOTE, reads_chat
from saas.modules.chat.service.marks import MarkFilter, MarkInput, mark_statement, post_mark
from saas.modules.chat.service.messages import NewFile, Storage
from saas.modules.chat.service.notice_actions import act_on_notice, notice_file_link
from saas.modules.chat.service.notices import (
    NoticeInput,
    NoticeRow,
    access_notice,
    organization_notices_statement,
    post_notice,
)
from saas.modules.clients.service import ClientsError
from saas.modules.documents.policy import DRIVE_PERMISSIONS, max_upload_bytes
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
    error_result,
)
from saas.schema.relay import Connection, Keyset
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure


@strawberry.input(
    name="ChatMarkInput",
    description="A mark: a contact (CALL, LETTER, VISIT: its date, not in the future, and a "
    "short note) or a paid service (SERVICE_CONNECTED / SERVICE_DISCONNECTED: its name, "
    "price in rubles and the date it starts or stops from).",
)
class ChatMarkInput:
    kind: ChatMarkKind
    date: date
    note: str | None = strawberry.field(default=None, description="At most 500 characters.")
    service_name: str | None = strawberry.field(
        default=None, description="A service mark's service, at most 200 characters."
    )
    price: str | None = strawberry.field(
        default=None, description='A service mark\'s price in rubles: "3000" or "3000.50".'
    )


@strawberry.input(name="PostChatNoticeInput", description="A new notice.")
class PostChatNoticeInput:
    kind: ChatNoticeKind
    title: str = strawberry.field(description="At most 200 characters.")
    text: str = strawberry.field(default="", description="At most 5,000 characters.")
    file_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A file of the organization's documents (`DriveFile`): its current version "
        "is the one to open. Required for MUST_OPEN_FILE unless `file` is given.",
    )
    file: ChatFileInput | None = strawberry.field(
        default=None, description='Or a new file, filed in «Данные для клиента» / "For client".'
    )


@strawberry.type(
    name="ChatNoticeFileLink",
    description="A short-lived link to a notice's file (the version sent). Each fetch is "
    "logged; a recipient's fetch confirms a must-open-file notice.",
)
class ChatNoticeFileLink:
    url: str
    expires_at: datetime
    sha256: str = strawberry.field(description="The SHA-256 of the version.")


PostChatMarkResult = Annotated[
    ChatMarkType | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("PostChatMarkResult"),
]
PostChatNoticeResult = Annotated[
    ChatNoticeType | ValidationError | NotFoundError | ForbiddenError | StorageUnavailableError,
    strawberry.union("PostChatNoticeResult"),
]
ActOnChatNoticeResult = Annotated[
    ChatNoticeType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("ActOnChatNoticeResult"),
]
ChatNoticeFileLinkResult = Annotated[
    ChatNoticeFileLink | NotFoundError | ForbiddenError,
    strawberry.union("ChatNoticeFileLinkResult"),
]
ChatNoticeLookup = Annotated[ChatNoticeType | NotFoundError, strawberry.union("ChatNoticeLookup")]


class MarkKeyset(Keyset[ChatMarkType]):
    """Rows are (message, organization id): the key is read from the message."""

    def values_of(self, item: Any) -> tuple[Any, ...]:
        return (item[0].id,)


class NoticeKeyset(Keyset[ChatNoticeType]):
    def values_of(self, item: Any) -> tuple[Any, ...]:
        return (item[0].id,)


def _notice_node(row: Any) -> ChatNoticeType:
    return ChatNoticeType.of(NoticeRow(row[0], row[1], row[2]))


@strawberry.type
class Query:
    @relay.connection(
        Connection[ChatMarkType],
        description="The marks of the conversations the viewer sees, newest first: one "
        "organization's or all, of some kinds, their dates within `from`..`to` (inclusive). "
        "Staff with `chat:read`.",
        extensions=requires("chat", "read"),
    )
    def chat_marks(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        kinds: list[ChatMarkKind] | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Iterable[ChatMarkType]:
        where = MarkFilter(
            organization_id=filter_pk(organization_id, "ClientOrganization")
            if organization_id is not None
            else None,
            kinds=[value_of(k) for k in kinds or []],
            since=from_,
            until=to if from_ is None or to is None or to >= from_ else from_,
        )
        stmt = mark_statement(actor_of(info.context), where)
        return MarkKeyset(  # type: ignore[return-value]
            stmt, key=(ChatMessage.id,), node=ChatMarkType.of, descending=True, entities=False
        )

    @relay.connection(
        Connection[ChatNoticeType],
        description="The notices of an organization's conversation, newest first; "
        "`awaitingMe`: only those the viewer (a client) still has to act on. " + READ_NOTE,
        extensions=reads_chat(),
    )
    def chat_notices(
        self, info: Info, organization_id: strawberry.ID, awaiting_me: bool = False
    ) -> Iterable[ChatNoticeType]:
        stmt = organization_notices_statement(
            actor_of(info.context),
            filter_pk(organization_id, "ClientOrganization"),
            awaiting_me=awaiting_me,
        )
        return NoticeKeyset(  # type: ignore[return-value]
            stmt, key=(ChatNotice.id,), node=_notice_node, descending=True, entities=False
        )

    @strawberry.field(description="One notice. " + READ_NOTE, extensions=reads_chat())
    async def chat_notice(self, info: Info, id: strawberry.ID) -> ChatNoticeLookup:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        try:
            pk = await pk_of(ctx, "ChatNotice", id, field="id")
            row = await access_notice(ctx.db, viewer, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeType.of(row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Mark a call, letter or visit of the client, or a paid service connected "
        "or disconnected, in the organization's conversation (a MARK message, delivered live; "
        "kept for the firm's settlements: `chatMarks`). Staff with `chat:write`.",
        extensions=requires("chat", "write"),
    )
    async def post_chat_mark(
        self, info: Info, organization_id: strawberry.ID, input: ChatMarkInput
    ) -> PostChatMarkResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        mark = MarkInput(
            kind=value_of(input.kind),
            date=input.date,
            note=input.note,
            service=input.service_name,
            price=input.price,
        )
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            async with ctx.unit_of_work() as session:
                message, organization = await post_mark(session, ctx.services, viewer, org, mark)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatMarkType.of((message, organization))

    @strawberry.mutation(
        description="Post a notice in the organization's conversation (a NOTICE message): "
        "informational, must-read, must-open-file (with the file to open) or must-approve. Its "
        "recipients are the contacts taking part in the chat now; each one's action is "
        "recorded with time, address and user agent (`chatNoticeProof`). Staff with "
        "`chat:write`.",
        extensions=requires("chat", "write"),
    )
    async def post_chat_notice(
        self, info: Info, organization_id: strawberry.ID, input: PostChatNoticeInput
    ) -> PostChatNoticeResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS, *DRIVE_PERMISSIONS)
        files = tenant_files(ctx.services, ctx.tenant)
        upload = (
            NewFile(filename=input.file.filename, content_base64=input.file.content_base64)
            if input.file is not None
            else None
        )
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            file_pk = await optional_pk_of(ctx, "DriveFile", input.file_id, field="fileId")
            notice = NoticeInput(
                kind=value_of(input.kind),
                title=input.title,
                text=input.text,
                file_id=file_pk,
                upload=upload,
            )
            async with removed_on_failure(files) as stored:
                storage = Storage(files=files, stored=stored, limit=max_upload_bytes(ctx.tenant))
                async with ctx.unit_of_work() as session:
                    row = await post_notice(session, ctx.services, viewer, org, notice, storage)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeType.of(row)

    @strawberry.mutation(
        description="A client's answer to a notice: READ (must-read), APPROVE or DECLINE "
        "(must-approve; declining needs a comment). Once per person; recorded with the "
        "request's address and user agent, and announced in the conversation. A "
        "must-open-file notice is answered by opening its file. Client users of "
        "organizations granting them 'chat' (`client_cabinet:read`).",
        extensions=requires("client_cabinet", "read"),
    )
    async def act_on_chat_notice(
        self,
        info: Info,
        notice_id: strawberry.ID,
        answer: ChatNoticeAnswer,
        comment: str | None = None,
    ) -> ActOnChatNoticeResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        try:
            pk = await pk_of(ctx, "ChatNotice", notice_id, field="noticeId")
            async with ctx.unit_of_work() as session:
                row = await act_on_notice(
                    session, ctx.services, viewer, pk, value_of(answer), comment
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeType.of(row)

    @strawberry.mutation(
        description="A short-lived link to a notice's file, for whoever sees the notice (a "
        "contact taking part in the chat needs no 'documents' grant). Each fetch is logged in "
        "the documents' access log; a recipient's fetch of a MUST_OPEN_FILE notice's file is "
        "its confirmation, recorded with the fetch's address, user agent and the version's "
        "SHA-256. " + READ_NOTE,
        extensions=reads_chat(),
    )
    async def open_chat_notice_file(
        self, info: Info, notice_id: strawberry.ID
    ) -> ChatNoticeFileLinkResult:
        ctx = info.context
        viewer = await actor_with(ctx, *CHAT_PERMISSIONS)
        files = tenant_files(ctx.services, ctx.tenant)
        try:
            pk = await pk_of(ctx, "ChatNotice", notice_id, field="noticeId")
            async with ctx.unit_of_work() as session:
                link = await notice_file_link(session, viewer, files, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeFileLink(
            url=link.url, expires_at=link.expires_at, sha256=link.version.sha256
        )
