"""`keten pseudonymize IN OUT --column C [--column C2] [--key-file FILE]`: partner-side pseudonyms.
`keten pseudonymize --new-key FILE`: make a fresh chain key (32 random bytes, mode 0600).

Run by the partner before delivery. The key is the chain's shared secret: from --key-file or
the environment variable KETEN_PSEUDONYM_KEY; it is never written to OUT or next to it, and a
key under 32 random bytes is refused.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from keten.cli import DataCommand
from keten.events.pseudonymize import KEY_ENV, KeyError_, load_key, pseudonymize_file, write_new_key
from keten.events.readers import ReadError


class Command(DataCommand):
    help = "Replace case identifiers (e.g. BSN) with keyed pseudonyms (HMAC-SHA256) before delivery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="IN", type=Path, nargs="?", help="CSV, XES or Parquet file")
        parser.add_argument(
            "target", metavar="OUT", type=Path, nargs="?", help="output file (.csv or .parquet)"
        )
        parser.add_argument(
            "--column",
            action="append",
            metavar="C",
            help="column to pseudonymise (repeat for more), e.g. --column bsn",
        )
        parser.add_argument("--key-file", type=Path, help=f"file with the chain key (default: ${KEY_ENV})")
        parser.add_argument(
            "--new-key",
            type=Path,
            metavar="FILE",
            help="write a fresh chain key (32 random bytes) to FILE, readable by you only; "
            "give it to every partner of the chain over a safe channel",
        )

    def handle(
        self,
        *args,
        source: Path | None,
        target: Path | None,
        column: list[str] | None,
        key_file: Path | None,
        new_key: Path | None,
        **options,
    ):
        if new_key is not None:
            if source or target or column or key_file:
                raise CommandError("--new-key only makes a key; pseudonymise with a second command.")
            self.make_key(new_key)
            return
        if source is None or target is None or not column:
            raise CommandError(
                "Give IN, OUT and --column C (e.g. keten pseudonymize export.csv levering.csv "
                "--column bsn), or make a chain key first with --new-key FILE."
            )
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

    def make_key(self, path: Path) -> None:
        try:
            write_new_key(path)
        except FileExistsError:
            raise CommandError(
                f"{path} already exists; a chain key is never overwritten (pseudonyms made with the "
                "old key would no longer link). Choose another file name."
            ) from None
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None
        self.stdout.write(
            f"Wrote a new chain key to {path} (readable by you only). Give it to every partner of "
            "the chain over a safe channel, keep it away from the data, and keep a copy: without "
            "it, later deliveries no longer link to earlier ones."
        )
