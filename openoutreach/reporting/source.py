"""How DuckDB reaches the CRM database, and the dbt profile that attaches it read-only as `crm`.

DuckDB reads SQLite and PostgreSQL through its scanner extensions. Its own download of them cannot
work offline, so the extension comes from the PyPI package that ships it
(`duckdb-extension-sqlite-scanner`, `duckdb-extension-postgres-scanner`), whose version must equal
duckdb's exactly; it is installed into a private `extension_directory` once. That directory goes under
`config_options` in the profile (under `settings` it would be applied after the ATTACH, which would then
try the download).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

PROFILE_NAME = "openoutreach"  # `profile:` in analytics/dbt_project.yml
TARGET_NAME = "analytics"
CRM_ALIAS = "crm"  # `database:` of the `crm` source in analytics/models/staging/_sources.yml


class AnalyticsSetupError(RuntimeError):
    """The analytics build cannot start (no CRM database, a missing or mismatched extension package)."""


@dataclass(frozen=True)
class CrmSource:
    """The CRM database as DuckDB attaches it: a SQLite file, or a PostgreSQL DSN (password kept apart)."""

    engine: str  # "sqlite" | "postgres"
    location: str  # the SQLite file, or a libpq DSN without the password
    password: str = field(default="", repr=False)

    @classmethod
    def from_django(cls, database: Mapping[str, Any]) -> CrmSource:
        """From a Django DATABASES entry (`settings.DATABASES["default"]`)."""
        engine = str(database.get("ENGINE", ""))
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(Path(str(database["NAME"])).resolve()))
        if "postgresql" in engine:
            parts = {
                "dbname": database.get("NAME"),
                "user": database.get("USER"),
                "host": database.get("HOST"),
                "port": database.get("PORT"),
            }
            dsn = " ".join(f"{key}={value}" for key, value in parts.items() if value)
            return cls("postgres", dsn, str(database.get("PASSWORD") or ""))
        raise AnalyticsSetupError(f"analytics reads SQLite or PostgreSQL CRM databases, not {engine!r}")

    @property
    def extension(self) -> str:
        return {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}[self.engine]

    @property
    def schema(self) -> str:
        """Where Django's tables are inside the attached database."""
        return {"sqlite": "main", "postgres": "public"}[self.engine]

    def check(self) -> None:
        if self.engine == "sqlite" and not Path(self.location).is_file():
            raise AnalyticsSetupError(
                f"the CRM database {self.location} does not exist yet: run `make setup` (migrate) first"
            )


def extension_file(extension: str) -> Path:
    """The `.duckdb_extension` file shipped by the PyPI package `duckdb-extension-<name with dashes>`."""
    package = f"duckdb_extension_{extension}"
    pip_name = f"duckdb-extension-{extension.replace('_', '-')}=={duckdb.__version__}"
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise AnalyticsSetupError(
            f"DuckDB's {extension} extension is not installed: pip install {pip_name}"
        ) from exc
    shipped = Path(module.__file__).parent / "extensions"
    path = shipped / f"v{duckdb.__version__}" / f"{extension}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in shipped.glob("v*")) or ["nothing"]
        raise AnalyticsSetupError(
            f"{package} ships {', '.join(found)} but duckdb is v{duckdb.__version__}: pip install {pip_name}"
        )
    return path


def install_extension(extension: str, extension_dir: Path) -> None:
    """Install the packaged extension into `extension_dir` unless this duckdb version has it already."""
    extension_dir.mkdir(parents=True, exist_ok=True)
    config = {"extension_directory": str(extension_dir), "autoinstall_known_extensions": False}
    with duckdb.connect(":memory:", config=config) as con:
        row = con.execute(
            "select installed from duckdb_extensions() where extension_name = ?", [extension]
        ).fetchone()
        if not (row and row[0]):
            path = str(extension_file(extension)).replace("'", "''")
            con.execute(f"INSTALL '{path}'")  # INSTALL takes no bound parameters


def profile(source: CrmSource, build_db: Path, extension_dir: Path, threads: int = 1) -> dict[str, Any]:
    """The dbt profile: a DuckDB target at `build_db` with the CRM attached read-only as `crm`.
    No secret goes in it (a PostgreSQL password reaches libpq through PGPASSWORD at run time)."""
    return {
        PROFILE_NAME: {
            "target": TARGET_NAME,
            "outputs": {
                TARGET_NAME: {
                    "type": "duckdb",
                    "path": str(build_db),
                    "schema": "main",
                    "threads": threads,
                    "config_options": {
                        "extension_directory": str(extension_dir),
                        # never reach for the network: a missing extension is an error, not a download
                        "autoinstall_known_extensions": False,
                        "autoload_known_extensions": True,
                    },
                    "attach": [
                        {
                            "path": source.location,
                            "type": source.engine,
                            "alias": CRM_ALIAS,
                            "read_only": True,
                        }
                    ],
                }
            },
        }
    }


def write_profile(profiles_dir: Path, content: dict[str, Any]) -> Path:
    profiles_dir.mkdir(parents=True, exist_ok=True)
    path = profiles_dir / "profiles.yml"
    path.write_text(
        "# Generated by openoutreach.reporting from the Django settings on every run: edits are lost.\n"
        + yaml.safe_dump(content, sort_keys=False)
    )
    return path


def dbt_vars(source: CrmSource) -> dict[str, str]:
    """The `vars:` of analytics/dbt_project.yml that depend on the CRM engine."""
    return {"crm_schema": source.schema, "crm_type": source.engine}
