"""Domain rules of reports and their timelines, by sub-domain. No GraphQL here.

- flow: event kinds and stages, statuses, errors, the firm's today;
- scope: which reports an actor sees (`scope_reports`, `access_report`);
- filings: creating a report (form, period, authority);
- timeline: recording an event, recomputing the status, announcing a status change
  (`record_and_announce`, the one place that decides a change is published);
- attachments: documents carried by an event (the drive's upload checks, storage);
- downloads: audited download links of report documents;
- access_log: report documents in the firm's views-and-downloads report (a source of
  the documents module's report of every document);
- feed: the status feed's filters, ATTENTION rank and statement, counts per status.

Functions take (session, actor, ...) and flush, never commit: the caller owns the unit of work.
"""

# Report documents are a source of the documents module's views-and-downloads report in every
# process that loads reports (the API, the worker): registered when this package is imported.
from saas.modules.reports.service import access_log as access_log  # noqa: E402
