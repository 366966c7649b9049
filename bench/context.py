"""What a benchmark function gets: the scale, a scratch directory and databases to measure on."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Database:
    """The environment that selects a database for ``manage.py`` and the probes, and what it is."""

    env: dict[str, str]
    label: str  # "SQLite" or "PostgreSQL", printed with the figures

    @property
    def is_postgresql(self) -> bool:
        return self.label == "PostgreSQL"


@dataclass
class BenchContext:
    scale: str
    workdir: Path
    # Values a figure measured for another figure in the same run (e.g. the idle sweep next to
    # the due one); the other figure takes its value from here instead of measuring again.
    leftovers: dict[str, Any] = field(default_factory=dict)
    _template: Path | None = field(default=None, repr=False)
    _count: int = field(default=0, repr=False)
    _postgresql_migrated: bool = field(default=False, repr=False)

    def fresh_database(self) -> dict[str, str]:
        """A new, migrated SQLite file (never the dev db.sqlite3); returns the env that selects it.

        The first call runs ``migrate`` into a template file; later calls copy it.
        """
        if self._template is None:
            self._template = self.workdir / "template.sqlite3"
            self.manage("migrate", "--noinput", env=self._env(self._template))
        self._count += 1
        path = self.workdir / f"bench-{self._count}.sqlite3"
        shutil.copyfile(self._template, path)
        return self._env(path)

    def database(self) -> Database:
        """PostgreSQL when ``DATABASE_URL`` names one (migrated once per run), else a fresh SQLite file.

        Figures on PostgreSQL share that database: each one generates its own company (deleting
        a previous one of the same code) and leaves other companies alone.
        """
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            return Database(self.fresh_database(), "SQLite")
        env = {**os.environ, "DEBUG": "false", "DJANGO_ENV": "development"}
        if not self._postgresql_migrated:
            self.manage("migrate", "--noinput", env=env)
            self._postgresql_migrated = True
        return Database(env, "PostgreSQL")

    def manage(self, *args: str, env: dict[str, str]) -> str:
        """Run ``manage.py`` in a subprocess; return its stdout, raise with its stderr on failure."""
        return self._run([sys.executable, "manage.py", *args], env=env, what=f"manage.py {' '.join(args)}")

    def probe(self, name: str, db: Database, **args: Any) -> dict[str, Any]:
        """Run ``bench.probes.<name>(**args)`` in a Django subprocess on ``db``; return its JSON answer."""
        out = self._run(
            [sys.executable, "-m", "bench.probes", name, json.dumps(args)], env=db.env, what=f"probe {name}"
        )
        return json.loads(out.strip().splitlines()[-1])

    @staticmethod
    def _run(command: list[str], *, env: dict[str, str], what: str) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result.stdout

    @staticmethod
    def _env(path: Path) -> dict[str, str]:
        # DEBUG off as in production: Django then keeps no per-query log.
        return {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "false", "DJANGO_ENV": "development"}
