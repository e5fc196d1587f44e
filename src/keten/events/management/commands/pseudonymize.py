"""`keten pseudonymize IN OUT --column C [--column C2] [--key-file FILE]`: partner-side pseudonyms.

Run by the partner before delivery. The key is the chain's shared secret: from --key-file or
the environment variable KETEN_PSEUDONYM_KEY; it is never written to OUT or next to it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keten.events.pseudonymize import KEY_ENV, KeyError_, load_key, pseudonymize_file
from keten.events.readers import ReadError


class Command(BaseCommand):
    help = "Replace case identifiers (e.g. BSN) with keyed pseudonyms (HMAC-SHA256) before delivery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="IN", type=Path, help="CSV, XES or Parquet file")
        parser.add_argument("target", metavar="OUT", type=Path, help="output file (.csv or .parquet)")
        parser.add_argument(
            "--column",
            action="append",
            required=True,
            metavar="C",
            help="column to pseudonymise (repeat for more), e.g. --column bsn",
        )
        parser.add_argument("--key-file", type=Path, help=f"file with the chain key (default: ${KEY_ENV})")

    def handle(self, *args, source: Path, target: Path, column: list[str], key_file: Path | None, **options):
        if target.resolve() == source.resolve():
            raise CommandError("Write the pseudonymised file to a new name; the original stays with you.")
        if key_file is not None and key_file.resolve().parent == target.resolve().parent:
            self.stderr.write("Note: keep the key file away from the data you deliver.")
        try:
            key = load_key(key_file)
            with tempfile.TemporaryDirectory(prefix="keten-pseudo-") as workdir:
                counts = pseudonymize_file(source, target, columns=column, key=key, workdir=Path(workdir))
        except (KeyError_, ReadError) as exc:
            raise CommandError(str(exc)) from exc
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n:,} identifiers replaced by pseudonyms")
        self.stdout.write(f"Wrote {target}")
