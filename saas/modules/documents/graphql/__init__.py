"""GraphQL of the document drive: thin, the rules and SQL are in saas.modules.documents.service.

Queries (queries.py): `drive(organizationId)` (the folder tree), `driveFolder(id)` (a folder
with its files as a Relay connection), `driveAccessLog`, `driveAccessExport(id)`. Mutations
(mutations.py): `uploadFile` (small files, base64 through the API), `startUpload` +
`completeUpload` (large files straight to storage, verified after), `downloadLink` (a
short-lived link; records the view or download), `createDriveFolder`, `deleteFile` (staff,
soft), `restoreFile` (firm admin), `exportDriveAccessLog`. Types: types.py, access_log.py,
enums.py.
"""

from saas.modules.documents.graphql.mutations import Mutation
from saas.modules.documents.graphql.queries import Query
from saas.schema.errors import ForbiddenError, StorageUnavailableError

TYPES = (ForbiddenError, StorageUnavailableError)

__all__ = ["TYPES", "Mutation", "Query"]
