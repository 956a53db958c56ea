"""Service requests (issue 14, the UCMS article): the firm's departments, catalog templates
(categories → groups → services) copied into each client organization's own catalog, and
requests a client contact launches from it: the regulation's deadline in business days,
statuses new → under review → accepted → done (or rejected), checklists, sequences, SLA."""
