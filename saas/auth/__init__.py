"""Identity: people, passwords, sessions, API tokens, invitations, second factor."""
