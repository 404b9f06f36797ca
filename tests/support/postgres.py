"""A throwaway PostgreSQL server in a temp directory, on a free port.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def pg_bindir() -> Path | None:
    """Directory holding initdb/pg_ctl/postgres, or None."""
    for candidate in [shutil.which("pg_config")]:
        if candidate:
            out = subprocess.run([candidate, "--bindir"], capture_output=True, text=True).stdout.strip()
            if out and (Path(out) / "initdb").exists():
                return Path(out)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@dataclass
class PgServer:
    datadir: Path
    port: int
    bindir: Path
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://mam@127.0.0.1:{self.port}/mam"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import uuid

        import psycopg

        name = f"mam_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=mam dbname=postgres", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://mam@127.0.0.1:{self.port}/{name}"

    def _run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        if self.user:
            cmd = ("runuser", "-u", self.user, "--", *cmd)
        return subprocess.run(list(cmd), capture_output=True, text=True, **kw)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres(port: int) -> PgServer:
    """initdb + start; a database ``mam`` owned by role ``mam`` (trust auth on loopback)."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
    user = None
    base = Path(tempfile.mkdtemp(prefix="mam-pg-"))
    if os.geteuid() == 0:
        for user in ("postgres", "nobody"):
            try:
                pw = pwd.getpwnam(user)
                break
            except KeyError:
                continue
        else:
            raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
        os.chmod(base, 0o755)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    server = PgServer(base / "data", port, bindir, user)
    res = server._run(str(bindir / "initdb"), "-D", str(server.datadir), "-U", "mam", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8")
    if res.returncode != 0:
        raise RuntimeError(f"initdb failed: {res.stderr}")
    res = server._run(str(bindir / "pg_ctl"), "-D", str(server.datadir), "-w", "-t", "60", "-l",
                      str(base / "pg.log"), "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                      "start")
    if res.returncode != 0:
        raise RuntimeError(f"pg_ctl start failed: {res.stderr} {(base / 'pg.log').read_text()[-2000:]}")
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=mam dbname=postgres", autocommit=True) as c:
                c.execute("CREATE DATABASE mam")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    return server
