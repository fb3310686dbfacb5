"""`manage.py backup [--output FILE] [--captures] [--database-dump FILE]`: one archive of what cannot be
regenerated (database, credentials key, generated secrets, qualifier models; see openoutreach/backup.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openoutreach.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write one backup archive: database, credentials key, generated secrets, qualifier models."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", type=Path, help="archive path (default: <DATA_DIR>/backups/<time>.tar.gz)"
        )
        parser.add_argument("--captures", action="store_true", help="include the saved pages (CAPTURES_DIR)")
        parser.add_argument(
            "--database-dump",
            type=Path,
            help="a PostgreSQL custom-format dump made elsewhere (e.g. by the compose postgres container) "
            "to store instead of running pg_dump here",
        )

    def handle(
        self, *args, output: Path | None, captures: bool, database_dump: Path | None, **options
    ) -> None:
        if output is None:
            output = (
                Path(settings.DATA_DIR) / "backups" / f"openoutreach-{dt.datetime.now():%Y%m%d-%H%M%S}.tar.gz"
            )
        try:
            outcome = create_backup(output, captures=captures, database_dump=database_dump)
        except (BackupError, OSError) as exc:
            raise CommandError(f"backup failed: {exc}") from None
        self.stdout.write(f"backup written to {outcome.path} ({len(outcome.files)} files, owner-only)")
        for note in outcome.notes:
            self.stdout.write(f"NOTE: {note}")
