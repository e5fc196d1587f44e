"""`keten chain import|export|list`: chain definition files in and out of the database.

keten chain import FILE [FILE ...]   create or update chains; all files or none
keten chain import --reference       the reference chains shipped with Keten
keten chain export SLUG [--out FILE] write a chain as a definition file (stdout by default)
keten chain list                     the chains in the database
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.db.models import Count, ProtectedError, RestrictedError

from keten.analytics.model import ChainSpec
from keten.chains.actions import record_audit, save_chain_spec
from keten.chains.definition import (
    DefinitionError,
    dump_chain_definition,
    load_chain_definition,
    reference_chain_files,
)
from keten.chains.models import Chain

# Audit entries need a name; imports from the command line have no logged-in user.
CLI_USER = SimpleNamespace(username="keten chain import", is_authenticated=False)


class Command(BaseCommand):
    help = "Import, export and list chain definition files (docs/chain-definition.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", metavar="{import,export,list}", required=True)
        importer = commands.add_parser(
            "import", help="Create or update chains from definition files; a bad file changes nothing."
        )
        importer.add_argument("files", nargs="*", metavar="FILE", help="chain definition file(s) (YAML)")
        importer.add_argument(
            "--reference",
            action="store_true",
            help="also import the reference chains shipped with Keten (werk, strafrecht)",
        )

        exporter = commands.add_parser("export", help="Write a chain as a definition file.")
        exporter.add_argument("slug", metavar="SLUG")
        exporter.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")

        commands.add_parser("list", help="List the chains in the database.")

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "import":
            self.import_files([Path(f) for f in options["files"]], reference=options["reference"])
        elif subcommand == "export":
            self.export(options["slug"], options["out"])
        else:
            self.list_chains()

    # -- import -------------------------------------------------------------------------

    def import_files(self, files: list[Path], *, reference: bool) -> None:
        files = [*files, *(reference_chain_files() if reference else [])]
        if not files:
            raise CommandError("Name at least one chain definition file, or use --reference.")

        # Read and check every file first: one bad file means nothing is imported.
        specs: list[tuple[Path, ChainSpec]] = []
        errors: list[str] = []
        slugs: dict[str, Path] = {}
        for path in files:
            try:
                spec = load_chain_definition(path)
            except DefinitionError as e:
                errors += [f"{path}: {message}" for message in e.errors]
                continue
            if spec.slug in slugs:
                errors.append(f"{path}: slug: chain '{spec.slug}' is also defined in {slugs[spec.slug]}")
                continue
            slugs[spec.slug] = path
            specs.append((path, spec))
        if errors:
            self.fail(errors, files)

        existing = set(Chain.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        chains = []
        path = files[0]
        try:
            with transaction.atomic():
                for path, spec in specs:
                    chain = save_chain_spec(spec)
                    record_audit(
                        CLI_USER,
                        chain,
                        "chain.imported",
                        file=str(path),
                        created=spec.slug not in existing,
                    )
                    chains.append((chain, spec))
        except (ProtectedError, RestrictedError) as e:
            # A partner (or other record) that the new definition drops is still in use.
            blocking = getattr(e, "protected_objects", None) or getattr(e, "restricted_objects", ())
            users = ", ".join(sorted({f"{o._meta.verbose_name} '{o}'" for o in blocking}))
            self.fail(
                [
                    f"{path}: what the file leaves out is still in use: {e.args[0]} ({users}); "
                    "keep it in the file, or first remove what uses it"
                ],
                files,
            )
        except DatabaseError as e:
            self.fail([f"{path}: the database refused the import: {e}"], files)

        for chain, spec in chains:
            self.stdout.write(
                f"Imported chain '{chain.slug}' ({_count(spec.stages, 'stage')}, "
                f"{_count(spec.activities, 'activity', 'activities')}, "
                f"{_count(spec.agreements, 'agreement')}, {_count(spec.kpis, 'KPI')})"
                + (", updated in place" if spec.slug in existing else "")
            )

    def fail(self, errors: list[str], files: list[Path]) -> None:
        for message in errors:
            self.stderr.write(message)
        raise CommandError(
            f"Nothing imported: fix the {_count(errors, 'problem')} above "
            f"and run the import again ({_count(files, 'file')} checked).",
            returncode=1,
        )

    # -- export and list ----------------------------------------------------------------

    def export(self, slug: str, out: str | None) -> None:
        chain = Chain.objects.filter(slug=slug).first()
        if chain is None:
            known = ", ".join(Chain.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No chain with slug '{slug}' (known: {known}).", returncode=1)
        text = dump_chain_definition(chain.to_spec())
        if out is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as e:
            raise CommandError(f"Cannot write {out}: {e.strerror}.", returncode=1) from None
        self.stdout.write(f"Exported chain '{slug}' to {out}")

    def list_chains(self) -> None:
        chains = Chain.objects.annotate(
            n_partners=Count("partners", distinct=True),
            n_stages=Count("stages", distinct=True),
            n_activities=Count("stages__activities", distinct=True),
            n_agreements=Count("agreements", distinct=True),
            n_kpis=Count("objectives__kpis", distinct=True),
        ).order_by("slug")
        if not chains:
            self.stdout.write("No chains yet. Import one with: keten chain import FILE (or --reference)")
            return
        header = ("slug", "name", "partners", "stages", "activities", "agreements", "KPIs")
        rows = [
            (c.slug, c.name, c.n_partners, c.n_stages, c.n_activities, c.n_agreements, c.n_kpis)
            for c in chains
        ]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            cells = [
                str(v).ljust(w) if i < 2 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())


def _count(items: object, singular: str, plural: str | None = None) -> str:
    n = len(items)  # type: ignore[arg-type]
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
