"""Reports: filings for client organizations, their event timelines and the status feed."""
