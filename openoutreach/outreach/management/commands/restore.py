"""`manage.py restore ARCHIVE [--force] [--database-dump-out FILE]`: put a `manage.py backup` archive back
on a fresh data dir and database (see openoutreach/backup.py). Stop every process first."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openoutreach.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into a fresh data dir and database (stop all processes first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true", help="replace a database that already holds data")
        parser.add_argument(
            "--database-dump-out",
            type=Path,
            help="PostgreSQL: write the dump here instead of running pg_restore (e.g. for the compose "
            "postgres container)",
        )

    def handle(self, *args, archive: Path, force: bool, database_dump_out: Path | None, **options) -> None:
        try:
            outcome = restore_backup(archive, force=force, database_dump_out=database_dump_out)
        except (BackupError, OSError) as exc:
            raise CommandError(f"restore failed: {exc}") from None
        self.stdout.write(f"restored {archive}:")
        for name in outcome.files:
            self.stdout.write(f"  {name}")
        for note in outcome.notes:
            self.stdout.write(f"NOTE: {note}")
