"""The `keten` console script: a thin front for Django's management commands.

`keten demo`, `keten chain import FILE`, `keten ingest ...` are the management commands of
the Keten apps; every Django command (migrate, createsuperuser, ...) works too.
"""

import os
import sys

from django.core.management.base import BaseCommand


class DataCommand(BaseCommand):
    """A Keten command that works on a chain's data (ingest, analyse, report, ...).

    It skips Django's system checks: they import every view (Ibis, Altair, pandas), seconds
    at each run. `keten check`, `migrate` and the web server still run them.
    """

    requires_system_checks: list[str] = []


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keten.conf.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["keten", *(args or ["help"])])


if __name__ == "__main__":
    main()
