"""Database: the embedded server, engines, tenant-bound sessions and migrations."""
