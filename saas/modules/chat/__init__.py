"""Chat: one conversation per client organization with the firm (issue 13): append-only
messages with files filed in the organization's documents, read state, search, the firm's
inbox, system entries of integrators and report statuses, live delivery and notifications."""
