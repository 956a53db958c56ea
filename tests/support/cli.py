"""The `saas` command as an operator runs it: a subprocess against a given database and data
folder, and what the migrations left in a schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from saas.settings import PROJECT_ROOT


def saas_cli(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m saas.cli *args`, its output captured as text."""
    env = {
        **os.environ,
        "SAAS_DATABASE_URL": database_url,
        "SAAS_DATA_DIR": str(data_dir),
        "SAAS_LOG_JSON": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "saas.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def version_of(engine: sa.Engine, schema: str) -> list[str]:
    """The Alembic revisions recorded in `schema` ([] when it has no alembic_version)."""
    with engine.connect() as conn:
        if (
            conn.execute(
                sa.text("SELECT to_regclass(:t)"), {"t": f'"{schema}".alembic_version'}
            ).scalar()
            is None
        ):
            return []
        return list(
            conn.execute(sa.text(f'SELECT version_num FROM "{schema}".alembic_version')).scalars()
        )
