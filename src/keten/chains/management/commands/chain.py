"""`keten chain import|export|list|draft`: chain definition files in and out of the database.

keten chain import FILE [FILE ...]   create or update chains; all files or none
keten chain import --plan FILE ...   say what an import would create, change and delete; change nothing
keten chain import --allow-deletions FILE ...
                                     also when records elsewhere (seats, gains statements, scan
                                     invitations, ...) go with what the file leaves out
keten chain import --reference       the reference chains shipped with Keten
keten chain export SLUG [--out FILE] write a chain as a definition file (stdout by default)
keten chain list                     the chains in the database
keten chain draft LOG [--partner-attribute ATTR] [--partner P] [--slug S] [--name N]
                  [--out FILE] [--mapping-out FILE] [--force]
                                     a definition file (and column mapping) drafted from an
                                     event log, to edit and then import
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.db.models import Count, ProtectedError, RestrictedError

from keten.analytics.model import ChainSpec
from keten.chains.actions import import_chain_definition
from keten.chains.definition import (
    DefinitionError,
    dump_chain_definition,
    read_chain_definition,
    reference_chain_files,
)
from keten.chains.models import Chain
from keten.cli import DataCommand
from keten.events.draft import DraftError, draft_chain, profile_log

# Audit entries need a name; imports from the command line have no logged-in user.
CLI_USER = SimpleNamespace(username="keten chain import", is_authenticated=False)


class Command(DataCommand):
    help = "Import, export, list and draft chain definition files (docs/chain-definition.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(
            dest="subcommand", metavar="{import,export,list,draft}", required=True
        )
        importer = commands.add_parser(
            "import", help="Create or update chains from definition files; a bad file changes nothing."
        )
        importer.add_argument("files", nargs="*", metavar="FILE", help="chain definition file(s) (YAML)")
        importer.add_argument(
            "--reference",
            action="store_true",
            help="also import the reference chains shipped with Keten (werk, strafrecht)",
        )
        importer.add_argument(
            "--plan",
            action="store_true",
            help="only say what the import would create, change and delete (and what records "
            "elsewhere would go with it); change nothing",
        )
        importer.add_argument(
            "--allow-deletions",
            action="store_true",
            help="apply the import also when it deletes records that depend on what the file "
            "leaves out (steering-group seats, gains statements, scan invitations, memberships, ...)",
        )

        exporter = commands.add_parser("export", help="Write a chain as a definition file.")
        exporter.add_argument("slug", metavar="SLUG")
        exporter.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")

        commands.add_parser("list", help="List the chains in the database.")

        drafter = commands.add_parser(
            "draft",
            help="Draft a definition file (and column mapping) from an event log, to edit and import.",
        )
        drafter.add_argument("log", metavar="LOG", type=Path, help="event log: CSV, XES, XES.gz or Parquet")
        who = drafter.add_mutually_exclusive_group()
        who.add_argument(
            "--partner-attribute",
            metavar="ATTR",
            help="column naming who recorded each event (e.g. org:group): one partner per value, "
            "and the log becomes a shared, chain-wide file",
        )
        who.add_argument(
            "--partner", metavar="P", help="code of the one partner (default: derived from the log's name)"
        )
        drafter.add_argument("--slug", metavar="S", help="chain slug (default: derived from the log's name)")
        drafter.add_argument("--name", metavar="N", help="chain name (default: the log's name)")
        drafter.add_argument("--out", metavar="FILE", type=Path, help="definition file (default: SLUG.yaml)")
        drafter.add_argument(
            "--mapping-out",
            metavar="FILE",
            type=Path,
            help="with --partner-attribute: the column mapping (default: SLUG.mapping.yaml beside --out)",
        )
        drafter.add_argument("--force", action="store_true", help="overwrite files that exist")

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "import":
            self.import_files(
                [Path(f) for f in options["files"]],
                reference=options["reference"],
                plan_only=options["plan"],
                allow_deletions=options["allow_deletions"],
            )
        elif subcommand == "export":
            self.export(options["slug"], options["out"])
        elif subcommand == "draft":
            self.draft(**options)
        else:
            self.list_chains()

    # -- import -------------------------------------------------------------------------

    def import_files(
        self, files: list[Path], *, reference: bool, plan_only: bool = False, allow_deletions: bool = False
    ) -> None:
        files = [*files, *(reference_chain_files() if reference else [])]
        if not files:
            raise CommandError("Name at least one chain definition file, or use --reference.")

        # Read and check every file first: one bad file means nothing is imported.
        specs: list[tuple[Path, ChainSpec, frozenset[str]]] = []
        errors: list[str] = []
        slugs: dict[str, Path] = {}
        for path in files:
            try:
                spec, keys = read_chain_definition(path)
            except DefinitionError as e:
                errors += [f"{path}: {message}" for message in e.errors]
                continue
            if spec.slug in slugs:
                errors.append(f"{path}: slug: chain '{spec.slug}' is also defined in {slugs[spec.slug]}")
                continue
            slugs[spec.slug] = path
            specs.append((path, spec, keys))
        if errors:
            self.fail(errors, files)

        # All files in one transaction: a refusal or failure in any of them undoes them all.
        plans = []
        path = files[0]
        try:
            with transaction.atomic():
                for path, spec, keys in specs:
                    plan = import_chain_definition(
                        spec,
                        keys,
                        user=CLI_USER,
                        source=str(path),
                        apply=not plan_only,
                        allow_deletions=allow_deletions,
                    )
                    plans.append((path, spec, plan))
                refused = [(path, plan) for path, _spec, plan in plans if not plan.applied]
                if refused and not plan_only:
                    transaction.set_rollback(True)
        except DefinitionError as e:
            self.fail([f"{path}: {message}" for message in e.errors], files)
        except (ProtectedError, RestrictedError) as e:
            # The plan catches what points at what goes; this is the last line of defence.
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

        if plan_only:
            self.report_plans(plans)
        elif refused:
            self.refuse(refused, files)
        else:
            for _path, spec, plan in plans:
                self.report_import(spec, plan)

    def report_plans(self, plans) -> None:
        for _path, _spec, plan in plans:
            for line in plan.lines():
                self.stdout.write(line)
        last = "Nothing imported (--plan)."
        if any(plan.blockers for _path, _spec, plan in plans):
            last += " This cannot be applied: see 'cannot go' above."
        elif any(plan.needs_allow_deletions for _path, _spec, plan in plans):
            last += " Applying this needs --allow-deletions: the records above would be deleted."
        self.stdout.write(last)

    def refuse(self, refused, files: list[Path]) -> None:
        blocked = [(path, plan) for path, plan in refused if plan.blockers]
        if blocked:
            self.fail([f"{path}: {b.line()}" for path, plan in blocked for b in plan.blockers], files)
        for path, plan in refused:
            self.stderr.write(f"{path}:")
            for line in plan.lines():
                self.stderr.write(line)
        raise CommandError(
            "Nothing imported: the import would delete the records listed above, which depend on "
            "what the file leaves out. Keep those items in the file, or run the import again with "
            "--allow-deletions to delete them (--plan shows the whole plan).",
            returncode=1,
        )

    def report_import(self, spec: ChainSpec, plan) -> None:
        self.stdout.write(
            f"Imported chain '{spec.slug}' ({_count(spec.stages, 'stage')}, "
            f"{_count(spec.activities, 'activity', 'activities')}, "
            f"{_count(spec.agreements, 'agreement')}, {_count(spec.kpis, 'KPI')})"
            + ("" if plan.created else ", updated in place")
        )
        for kept in plan.kept:
            self.stdout.write(f"  {kept.line()}")
        if plan.dependents:
            self.stdout.write("Deleted with what the file leaves out:")
            for dependent in plan.dependents:
                self.stdout.write(f"  {dependent.line()}")

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

    # -- draft --------------------------------------------------------------------------

    def draft(self, *, log: Path, out: Path | None, mapping_out: Path | None, force: bool, **options) -> None:
        if mapping_out is not None and not options["partner_attribute"]:
            raise CommandError(
                "--mapping-out needs --partner-attribute: one partner's mapping goes into the chain file."
            )
        try:
            profile = profile_log(log, options["partner_attribute"])
            draft = draft_chain(
                profile, slug=options["slug"], name=options["name"], partner=options["partner"]
            )
        except DraftError as e:
            raise CommandError(str(e), returncode=1) from None
        slug = draft.spec.slug
        out = out or Path(f"{slug}.yaml")
        if draft.shared:
            mapping_out = mapping_out or out.with_name(f"{slug}.mapping.yaml")
            if mapping_out.resolve() == out.resolve():
                raise CommandError(f"--out and --mapping-out are both {out}; give two files.", returncode=1)
            # The chain file names the mapping as it is seen from the chain file's folder.
            shown = mapping_out.name if mapping_out.parent == out.parent else str(mapping_out)
            files = {out: draft.chain_text(shown), mapping_out: draft.mapping_text()}
        else:
            files = {out: draft.chain_text()}
        existing = [str(path) for path in files if path.exists()]
        if existing and not force:
            raise CommandError(
                f"{' and '.join(existing)} already exists; choose another --out / --mapping-out, "
                "or add --force to overwrite.",
                returncode=1,
            )
        _write_all(files)

        spec = draft.spec
        self.stdout.write(
            f"Drafted chain '{slug}' from {log.name} ({_many(profile.events, 'event')}, "
            f"{_many(profile.cases, 'case')}): "
            f"{_count(spec.activities, 'activity', 'activities')}, {_count(spec.partners, 'partner')}, "
            f"{_count(spec.stages, 'stage')} in {out}"
        )
        if draft.shared:
            self.stdout.write(f"Column mapping of the shared log in {mapping_out}")
            ingest = f"keten ingest {slug} {log} --mapping {mapping_out}"
        else:
            ingest = f"keten ingest {slug} {log} --partner {draft.spec.partners[0].code}"
        self.stdout.write(f"Check and edit it (see its header), then: keten chain import {out}; {ingest}")

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


def _write_all(files: dict[Path, str]) -> None:
    """Write every file, or none: each to a temporary name first, renamed once all are written."""
    temps = {target: target.with_name(f".{target.name}.draft-tmp") for target in files}
    target = next(iter(files))
    try:
        for target, text in files.items():
            temps[target].write_text(text, encoding="utf-8")
        for target, temp in temps.items():
            os.replace(temp, target)
    except OSError as e:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        raise CommandError(f"Cannot write {target}: {e.strerror}.", returncode=1) from None


def _many(n: int, singular: str) -> str:
    return f"{n:,} {singular if n == 1 else singular + 's'}"


def _count(items: object, singular: str, plural: str | None = None) -> str:
    n = len(items)  # type: ignore[arg-type]
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
