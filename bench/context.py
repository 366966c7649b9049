"""What a benchmark function gets: the scale, a scratch directory and fresh databases."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchContext:
    scale: str
    workdir: Path
    _template: Path | None = field(default=None, repr=False)
    _count: int = field(default=0, repr=False)

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

    def manage(self, *args: str, env: dict[str, str]) -> str:
        """Run ``manage.py`` in a subprocess; return its stdout, raise with its stderr on failure."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result.stdout

    @staticmethod
    def _env(path: Path) -> dict[str, str]:
        # DEBUG off as in production: Django then keeps no per-query log.
        return {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "false", "DJANGO_ENV": "development"}
