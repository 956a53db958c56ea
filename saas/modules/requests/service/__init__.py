"""Rules of the service requests, split by sub-domain: errors, deadlines (the regulation in
business days, its Russian and English words), scope (who sees which organization's
catalog and requests), departments, catalog (templates and per-organization catalogs),
requests (launch, edit, statuses, checklist, sequences), comments, board."""
