"""GraphQL of the document drive: thin, the rules and SQL are in saas.modules.documents.service.

Queries (queries.py): `drive(organizationId)` (the folder tree), `driveFolder(id)` (a folder
with its files as a Relay connection), `driveAccessLog`, `driveAccessExport(id)`. Mutations
(mutations.py): `uploadFile` (small files, base64 through the API), `startUpload` +
`completeUpload` (large files straight to storage, verified after), `downloadLink` (a
short-lived link; records the view or download), `createDriveFolder`, `deleteFile` (staff,
soft), `restoreFile` (firm admin), `exportDriveAccessLog`. The report of every document
(document_access.py): `documentAccessLog`, `exportDocumentAccessLog` (drive files and other
modules' documents, e.g. report documents). Types: types.py, access_log.py, enums.py.
"""

from strawberry.tools import merge_types

from saas.modules.documents.graphql import document_access, mutations, queries
from saas.schema.errors import ForbiddenError, StorageUnavailableError

Query = merge_types("Query", (queries.Query, document_access.Query))
Mutation = merge_types("Mutation", (mutations.Mutation, document_access.Mutation))

TYPES = (ForbiddenError, StorageUnavailableError)

__all__ = ["TYPES", "Mutation", "Query"]
