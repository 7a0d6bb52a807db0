"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl from the distribution's packages,
data and unix socket in a temporary folder, listening on 127.0.0.1 only.

    server = PostgresServer.start(folder)       # or None-returning `find_binaries()` first
    url = server.url("postgres")                # postgresql://postgres@127.0.0.1:PORT/postgres
    server.stop()

initdb refuses to run as root, so as root the server runs as `nobody` (through setpriv); the
folder is handed to that user. Durability is off (fsync, synchronous_commit, full-page writes):
a test server that loses its data in a power cut loses nothing anyone needs, and it is several
times faster.

Used by the session fixture in tests/conftest.py; `python -m tests.postgres_server` starts one
and prints its URL until Ctrl-C (for trying things by hand).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Set in CI (.ci/run): a missing PostgreSQL fails the tests that need it instead of skipping.
REQUIRE = "BACKLINE_REQUIRE_POSTGRES"
UNPRIVILEGED = "nobody"


def find_binaries() -> Path | None:
    """The bin folder of the newest installed PostgreSQL with initdb and pg_ctl, or None."""
    found = []
    for folder in glob.glob("/usr/lib/postgresql/*/bin"):
        bin_dir = Path(folder)
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            version = bin_dir.parent.name
            found.append((int(version) if version.isdigit() else 0, bin_dir))
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        found.append((-1, Path(on_path).parent))
    return max(found)[1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    folder: Path
    port: int
    run_as: str | None  # a user to run the server as (when we are root)

    @classmethod
    def start(cls, bin_dir: Path, folder: Path | None = None) -> PostgresServer:
        folder = folder or Path(tempfile.mkdtemp(prefix="backline-pg-"))
        run_as = UNPRIVILEGED if os.geteuid() == 0 else None
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            folder.chmod(0o755)  # nobody must reach it; the data folder inside stays 0700
            os.chown(folder, account.pw_uid, account.pw_gid)
        server = cls(bin_dir, folder, _free_port(), run_as)
        server._initdb()
        server._pg_ctl("start", "-w", "-t", "30", "-l", str(folder / "server.log"))
        return server

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        prefix: list[str] = []
        if self.run_as is not None:
            account = pwd.getpwnam(self.run_as)
            prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                      "--clear-groups", "--"]  # fmt: skip
        env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
        done = subprocess.run(
            [*prefix, *command], cwd=self.folder, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}"
            )

    def _initdb(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--no-instructions", "--no-sync",
        )  # fmt: skip
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.folder}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "timezone": "'UTC'",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# backline tests\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args)

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def main() -> None:
    bin_dir = find_binaries()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    # SIGTERM (e.g. from `timeout`) stops the server too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = PostgresServer.start(bin_dir)
    print(server.url(), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
