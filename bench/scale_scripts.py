"""bench_scale's `saas migrate`: imported (in the migrate process and in the fork server its
workers come from) to point saas.db.migrate at the copy of the migrations named by
BENCH_SCALE_SCRIPTS, which holds a tenant revision that exists only in the bench."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config

from saas.db import migrate

_SCRIPTS = Path(os.environ["BENCH_SCALE_SCRIPTS"])


def _config() -> Config:
    return Config(str(_SCRIPTS / "alembic.ini"))


migrate.alembic_config = _config
migrate.script_directory.cache_clear()
