"""Incoming scalars, checked at the edge: one place for every argument of every operation.

Before an operation executes, `InputGuard` walks the arguments of the fields it selects
(through fragments, input objects and lists, with the request's variables and the
variables' defaults) and checks each `String`/`ID` value against the rule of its position:

- no control characters: C0 (U+0000-U+001F) and DEL, except tab, LF and CR where a rule
  allows them (free text and file contents); PostgreSQL refuses U+0000 in text outright;
- no lone surrogates (U+D800-U+DFFF: `"\\ud800"` in JSON), which cannot be stored as UTF-8;
- at most `max_chars` characters (DEFAULT_MAX_CHARS unless the position needs more).

A refusal is one GraphQL error with `extensions.code` BAD_INPUT naming the argument (its
path from the field's argument, e.g. `input.documents[0].filename`), the field
(`Mutation.recordReportEvent`) and the reason (CONTROL_CHARACTER, INVALID_UNICODE,
TOO_LONG with `limit`), in the caller's language; nothing of the operation runs.

Positions with another rule (free text, file contents, and the few whose mutation refuses
or cleans control characters itself, with a typed result) are listed in RULES by schema
coordinate (`Type.field(arg:)` for an argument, `Input.field` for an input field);
tests/test_inputs.py checks that each coordinate still exists. Ints need no rule here:
GraphQL's Int is 32-bit, and graphql-core refuses anything outside it while coercing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import TypeMetaFieldDef
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

BAD_INPUT = "BAD_INPUT"
DEFAULT_MAX_CHARS = 2048  # above every limit a service words itself (a URL: 2000)
TEXT_MAX_CHARS = 20_000
_TEXT_SCALARS = frozenset(("String", "ID"))


@dataclass(frozen=True)
class Rule:
    """What a string at one position may hold. `max_chars=None`: only the request body's
    limit bounds it (file contents)."""

    max_chars: int | None
    refused: re.Pattern[str]
    name: str


_SURROGATES = "\ud800-\udfff"
LINE = Rule(DEFAULT_MAX_CHARS, re.compile(f"[\x00-\x1f\x7f{_SURROGATES}]"), "line")
TEXT = Rule(TEXT_MAX_CHARS, re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_SURROGATES}]"), "text")
# Base64 contents: as free text (line breaks of a wrapped encoding), as long as the body.
CONTENT = Rule(None, TEXT.refused, "content")
# Files read row by row: a row holding a control character is refused on its own, with its
# line (saas.modules.reports.imports), the other rows are imported.
FILE = Rule(None, re.compile(f"[{_SURROGATES}]"), "file")

# Positions whose mutation words its own refusal of control characters (a typed
# ValidationError naming the field) or cleans them away (file names, as an OS would send
# them): only the length and Unicode are checked here.
OWN = Rule(DEFAULT_MAX_CHARS, FILE.refused, "own")

RULES: dict[str, Rule] = {
    "Mutation.importReportEvents(jsonLines:)": FILE,
    "Mutation.importReportEvents(csv:)": FILE,
    "Mutation.uploadLogo(contentBase64:)": CONTENT,
    "Mutation.uploadFile(contentBase64:)": CONTENT,
    "ReportDocumentInput.contentBase64": CONTENT,
    "RecordReportEventInput.text": TEXT,
    "Mutation.createRole(description:)": TEXT,
    "Mutation.updateRole(description:)": TEXT,
    "Mutation.setContactCard(note:)": TEXT,
    "CreateWebhookEndpointInput.description": TEXT,
    "CreateWebhookEndpointInput.url": OWN,  # refused (saas.modules.notifications.policy)
    "UpdateWebhookEndpointInput.url": OWN,
    "BrandingInput.displayName": OWN,  # INVALID_<FIELD> (saas.modules.branding.service.validation)
    "BrandingInput.phone": OWN,
    "BrandingInput.primaryColor": OWN,
    "BrandingInput.emailSenderName": OWN,
    "BrandingInput.customDomains": OWN,
    "Mutation.uploadFile(filename:)": OWN,  # cleaned (saas.modules.documents.service)
    "Mutation.startUpload(filename:)": OWN,
    "ReportDocumentInput.filename": OWN,
    "Mutation.uploadLogo(filename:)": OWN,  # cleaned (saas.modules.branding.service.images)
    "PostChatMessageInput.body": TEXT,  # TOO_LONG above 10,000 (saas.modules.chat.service)
    "ChatFileInput.contentBase64": CONTENT,
    "ChatFileInput.filename": OWN,  # cleaned (saas.modules.documents.service)
    "PostChatNoticeInput.text": TEXT,  # TOO_LONG above 5,000 (saas.modules.chat.service)
    "Mutation.actOnChatNotice(comment:)": TEXT,  # TOO_LONG above 2,000
    "CalendarExchangeDateInput.note": TEXT,  # TOO_LONG above 2,000 (saas.modules.calendar)
    # TOO_LONG above 10,000 and 2,000 (saas.modules.requests.service: requests, time)
    "Mutation.askServiceRequestClient(comment:)": TEXT,
    "Mutation.recordServiceRequestTime(note:)": TEXT,
}

_MESSAGES = {
    "CONTROL_CHARACTER": (
        "Аргумент `{argument}` поля `{field}`: недопустимый управляющий символ {char} "
        "(позиция {position}).",
        "Argument `{argument}` of `{field}`: control character {char} (at {position}) is "
        "not allowed.",
    ),
    "INVALID_UNICODE": (
        "Аргумент `{argument}` поля `{field}`: строка не в Unicode (одиночный суррогат {char}, "
        "позиция {position}).",
        "Argument `{argument}` of `{field}`: not valid Unicode (lone surrogate {char} at "
        "{position}).",
    ),
    "TOO_LONG": (
        "Аргумент `{argument}` поля `{field}`: {length} символов, допустимо не больше {limit}.",
        "Argument `{argument}` of `{field}`: {length} characters, the limit is {limit}.",
    ),
}


class BadInput(GraphQLError):
    """An argument refused at the edge (see the module doc)."""

    def __init__(
        self,
        language: str,
        field: str,
        argument: str,
        reason: str,
        node: Node | None,
        **details: Any,
    ):
        ru, en = _MESSAGES[reason]
        message = (en if language == "en" else ru).format(field=field, argument=argument, **details)
        extensions = {"code": BAD_INPUT, "field": field, "argument": argument, "reason": reason}
        extensions.update({k: v for k, v in details.items() if k in ("limit", "position")})
        super().__init__(message, node, extensions=extensions)


@dataclass(frozen=True)
class Problem:
    field: str
    argument: str
    reason: str
    node: Node | None
    details: Mapping[str, Any]

    def error(self, language: str) -> BadInput:
        return BadInput(language, self.field, self.argument, self.reason, self.node, **self.details)


def check_text(value: str, rule: Rule) -> tuple[str, dict[str, Any]] | None:
    """The reason a string breaks `rule`, with details; None when it is fine."""
    if rule.max_chars is not None and len(value) > rule.max_chars:
        return "TOO_LONG", {"length": len(value), "limit": rule.max_chars}
    found = rule.refused.search(value)
    if found is None:
        return None
    char = found.group()
    reason = "INVALID_UNICODE" if "\ud800" <= char <= "\udfff" else "CONTROL_CHARACTER"
    return reason, {"char": f"U+{ord(char):04X}", "position": found.start()}


class _Found(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


_MISSING = object()


class _Walk:
    """One operation's arguments, walked with their types (see first_problem)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ):
        self.schema = schema
        self.variables = variables
        self.defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.seen: set[str] = set()
        self.field = ""

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> None:
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field_node(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                typed = self.schema.get_type(condition.name.value) if condition else parent
                self.selections(selection.selection_set, typed)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.seen:
                    continue
                self.seen.add(name)
                typed = self.schema.get_type(fragment.type_condition.name.value)
                self.selections(fragment.selection_set, typed)

    def field_node(self, node: FieldNode, parent: GraphQLNamedType | None) -> None:
        name = node.name.value
        definition = None
        if name == "__type":
            definition = TypeMetaFieldDef
        elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if definition is None or parent is None:
            return
        for argument in node.arguments or ():
            arg_name = argument.name.value
            spec = definition.args.get(arg_name)
            if spec is None:
                continue
            self.field = f"{parent.name}.{name}"
            rule = RULES.get(f"{parent.name}.{name}({arg_name}:)", LINE)
            self.ast(argument.value, spec.type, rule, arg_name)
        if node.selection_set is not None:
            self.selections(node.selection_set, get_named_type(definition.type))

    def ast(self, node: ValueNode, type_: GraphQLInputType, rule: Rule, path: str) -> None:
        if isinstance(node, VariableNode):
            self.variable(node, type_, rule, path)
            return
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            if isinstance(node, ListValueNode):
                for index, item in enumerate(node.values):
                    self.ast(item, type_.of_type, rule, f"{path}[{index}]")
            else:
                self.ast(node, type_.of_type, rule, path)
        elif isinstance(type_, GraphQLInputObjectType):
            if isinstance(node, ObjectValueNode):
                for field in node.fields:
                    name = field.name.value
                    spec = type_.fields.get(name)
                    if spec is not None:
                        inner = RULES.get(f"{type_.name}.{name}", LINE)
                        self.ast(field.value, spec.type, inner, f"{path}.{name}")
        elif isinstance(node, StringValueNode) and _is_text(type_):
            self.check(node.value, rule, path, node)

    def variable(self, node: VariableNode, type_: GraphQLInputType, rule: Rule, path: str) -> None:
        """A variable's value as sent, else its default in the operation."""
        name = node.name.value
        value = self.variables.get(name, _MISSING)
        if value is _MISSING:
            default = self.defaults.get(name)
            if default is not None:
                self.ast(default, type_, rule, path)
        else:
            self.raw(value, type_, rule, path, node)

    def raw(self, value: Any, type_: GraphQLInputType, rule: Rule, path: str, node: Node) -> None:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.raw(item, type_.of_type, rule, f"{path}[{index}]", node)
            else:
                self.raw(value, type_.of_type, rule, path, node)
        elif isinstance(type_, GraphQLInputObjectType):
            if isinstance(value, Mapping):
                for name, item in value.items():
                    spec = type_.fields.get(name) if isinstance(name, str) else None
                    if spec is not None:
                        inner = RULES.get(f"{type_.name}.{name}", LINE)
                        self.raw(item, spec.type, inner, f"{path}.{name}", node)
        elif isinstance(value, str) and _is_text(type_):
            self.check(value, rule, path, node)

    def check(self, value: str, rule: Rule, path: str, node: Node) -> None:
        broken = check_text(value, rule)
        if broken is not None:
            reason, details = broken
            raise _Found(Problem(self.field, path, reason, node, details))


def _is_text(type_: GraphQLInputType) -> bool:
    return isinstance(type_, GraphQLScalarType) and type_.name in _TEXT_SCALARS


def first_problem(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> Problem | None:
    """The first argument of the operation to run that breaks its rule, or None."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None  # graphql-core reports the unknown operation
    root = schema.get_root_type(operation.operation)
    walk = _Walk(schema, document, operation, variables if isinstance(variables, Mapping) else {})
    try:
        walk.selections(operation.selection_set, root)
    except _Found as found:
        return found.problem
    return None


class InputGuard(SchemaExtension):
    """Refuses an operation whose arguments break their rule, before it executes."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            problem = first_problem(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if problem is not None:
                language = getattr(context.context, "language", "ru")
                raise problem.error(language if language in ("ru", "en") else "ru")
        yield
