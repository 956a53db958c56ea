"""Domain rules of the document drive, by sub-domain. No GraphQL here.

- folders: the system folders, the direction rule, access to a drive and a folder, subfolders;
- files: access to a file, a folder's files, versions;
- uploads: small files through the API, large ones straight to storage, other modules'
  attachments (`attach_document`);
- checks: the upload checks (names, sniffed types, sizes, base64, SHA-256);
- storage: object keys and writes (`saas.storage.stored.removed_on_failure` undoes them);
- trash: soft delete and restore;
- downloads: audited links and the access log rows they write;
- access_log: the firm's views-and-downloads report;
- errors: the drive's refusals.

Every operation loads its folder or file through `access_folder` / `access_file`, which apply
the organization row scope of the clients module (a folder of an organization the viewer does
not see is simply not found), the client's grants, and the direction rule (policy.py).
A row never points at a missing object (storage.py). Functions take (session, viewer, ...) and
flush, never commit.
"""
