"""The firm's audit trail, read: `auditLog` (who did what: every entry the services wrote with
`saas.core.audit`), filtered by actor, action, object and period, for the firm admin and
auditors (`audit:read`), and its CSV export as a background job (`exportAuditLog`,
`auditLogExport(id)`). Action names are worded in Russian and English (labels.py)."""
