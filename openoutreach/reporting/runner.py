"""Build the analytics DuckDB file from the CRM with dbt, inside this process.

One `build`:
1. take a lock in the work directory (one DuckDB file has one writer; a second build waits for nothing
   and says so);
2. install the CRM engine's scanner extension from its package and write profiles.yml (see `source`);
3. run `dbt build` (models, then their data tests) through `dbtRunner` into a fresh `build.duckdb`,
   with dbt's target and logs under the work directory (never inside the source tree);
4. close dbt's DuckDB connection, and only if nothing failed, rename the new file over the analytics file
   in one step: readers see the old tables or the new ones, never a half-built file, and a failed build
   leaves the last good file in place.

In-process costs ~1.4 s of dbt start-up against ~3 s for the CLI. `build` is a plain function (paths and
the CRM source are parameters); `build_from_settings` is the edge that reads Django settings.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .source import AnalyticsSetupError, CrmSource, dbt_vars, install_extension, profile, write_profile

PROJECT_DIR = Path(__file__).resolve().parents[2] / "analytics"


class AnalyticsBusy(AnalyticsSetupError):
    """Another process is building the analytics file right now."""


@dataclass(frozen=True)
class NodeResult:
    """One dbt node of the build: a model, or a data test and how many rows it flagged."""

    name: str
    resource_type: str  # "model" | "test"
    status: str  # success, error, pass, fail, warn, skipped
    message: str = ""
    failures: int = 0


@dataclass(frozen=True)
class BuildResult:
    success: bool
    analytics_db: Path
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    error: str = ""  # set when dbt itself could not run (bad project, unreadable CRM, ...)

    @property
    def problems(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "skipped")]

    @property
    def warnings(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status == "warn"]

    def summary(self) -> str:
        models = sum(n.resource_type == "model" and n.status == "success" for n in self.nodes)
        tests = sum(n.resource_type == "test" and n.status == "pass" for n in self.nodes)
        head = "built" if self.success else "FAILED"
        lines = [f"analytics {head} in {self.seconds:.1f} s: {models} tables, {tests} tests passed"]
        lines += [f"  warn  {n.name}: {n.failures} row(s)" for n in self.warnings]
        lines += [f"  {n.status:5} {n.name}: {n.message}" for n in self.problems if n.status != "skipped"]
        skipped = sum(n.status == "skipped" for n in self.nodes)
        if skipped:
            lines.append(f"  {skipped} node(s) skipped because of the above")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AnalyticsPaths:
    """Where a build reads and writes. `work_dir` holds profiles.yml, extensions, dbt's target and logs."""

    analytics_db: Path
    work_dir: Path
    project_dir: Path = PROJECT_DIR

    @property
    def build_db(self) -> Path:
        return self.work_dir / "build.duckdb"

    @property
    def extension_dir(self) -> Path:
        return self.work_dir / "extensions"


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AnalyticsBusy(f"another analytics build holds {lock_file}; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _pgpassword(password: str) -> Iterator[None]:
    """libpq reads the password from PGPASSWORD: it never goes into profiles.yml or a log."""
    if not password:
        yield
        return
    before = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = password
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = before


def _close_dbt_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB connection in a class attribute until the process exits; the file
    must be closed (and checkpointed) before it is renamed, and before the next build opens it."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _nodes(run_result) -> list[NodeResult]:
    nodes = []
    for r in getattr(run_result, "results", None) or []:
        nodes.append(
            NodeResult(
                name=r.node.name,
                resource_type=str(r.node.resource_type),
                status=str(r.status),
                message=(r.message or "") if str(r.status) in ("error", "fail", "skipped") else "",
                failures=r.failures or 0,
            )
        )
    return nodes


def build(
    source: CrmSource, paths: AnalyticsPaths, threads: int = 1, accept_window_days: int | None = None
) -> BuildResult:
    """Run `dbt build` against the CRM and publish the result as `paths.analytics_db` (see module doc).
    Always the whole project: the published file is rebuilt from scratch, so a partial selection would
    publish a file without the other marts. `accept_window_days`: ACCEPT_WINDOW_DAYS for the
    connection-accepted mart (else the project's default, 14)."""
    from dbt.cli.main import dbtRunner

    started = time.monotonic()
    window = {} if accept_window_days is None else {"accept_window_days": int(accept_window_days)}
    source.check()
    with _exclusive(paths.work_dir / "build.lock"):
        install_extension(source.extension, paths.extension_dir)
        write_profile(paths.work_dir, profile(source, paths.build_db, paths.extension_dir, threads))
        _remove(paths.build_db)  # every build starts from an empty file: no tables of deleted models
        args = [
            "build",
            "--project-dir", str(paths.project_dir),
            "--profiles-dir", str(paths.work_dir),
            "--target-path", str(paths.work_dir / "target"),
            "--log-path", str(paths.work_dir / "logs"),
            "--vars", json.dumps(dbt_vars(source) | window),
            "--no-send-anonymous-usage-stats",
            "--no-version-check",
            "--log-level", "none",  # nothing on stdout: the summary says what matters ...
            "--log-level-file", "info",  # ... and dbt's own account goes to <work_dir>/logs/dbt.log
        ]  # fmt: skip
        try:
            with _pgpassword(source.password):
                outcome = dbtRunner().invoke(args)
        finally:
            _close_dbt_duckdb()
        nodes = _nodes(outcome.result)
        error = str(outcome.exception) if outcome.exception else ""
        success = bool(outcome.success) and not error
        if success:
            paths.analytics_db.parent.mkdir(parents=True, exist_ok=True)
            os.replace(paths.build_db, paths.analytics_db)
        return BuildResult(success, paths.analytics_db, time.monotonic() - started, nodes, error)


def build_from_settings(threads: int = 1) -> BuildResult:
    """The edge where Django settings come in: the CRM of DATABASES["default"] into settings.ANALYTICS_DB,
    working files under DATA_DIR/analytics. For `manage.py run_analytics` and a periodic task alike."""
    from django.conf import settings

    if Path(settings.ANALYTICS_DB).resolve() == Path(settings.EMBEDDINGS_DB).resolve():
        # one DuckDB file has one writer: the embeddings file belongs to the ML worker
        raise AnalyticsSetupError("ANALYTICS_DB must not be the embeddings file (EMBEDDINGS_DB)")
    paths = AnalyticsPaths(
        analytics_db=Path(settings.ANALYTICS_DB), work_dir=Path(settings.DATA_DIR) / "analytics"
    )
    return build(
        CrmSource.from_django(settings.DATABASES["default"]),
        paths,
        threads=threads,
        accept_window_days=settings.ACCEPT_WINDOW_DAYS,
    )
