"""`keten demo`: a working Keten with two reference chains, events and users, in one command.

keten demo [--port 8000] [--events 200000] [--no-serve]
    create the data dir and database, import the reference chains, generate their events,
    create one demo user per role, print the logins and serve the app (Ctrl-C stops).
    A second run reuses everything that exists.
keten demo generate CHAIN --cases N --seed S --out DIR [--end YYYY-MM-DD]
    write synthetic events for CHAIN (an imported chain's slug, or a chain definition file)
    to DIR/<slug>.parquet, without touching the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from rich.console import Console
from rich.table import Table

from keten.analytics.model import ChainSpec
from keten.chains.definition import DefinitionError, load_chain_definition
from keten.demo.actions import DEFAULT_EVENTS, DEFAULT_SEED, set_up_demo
from keten.demo.generator import DEFAULT_CHUNK_CASES, default_end, generate_events
from keten.events.actions import IngestRefused

HOST = "127.0.0.1"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-06-01") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
    return value


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the demo (reference chains, events, users, web server), or generate synthetic events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument(
            "--events",
            type=_positive,
            default=DEFAULT_EVENTS,
            help=f"about this many events in total over the chains (default {DEFAULT_EVENTS:,})",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="set everything up, print the logins, do not serve"
        )
        parser.add_argument("--workers", type=_positive, default=2, help="web server worker processes")
        commands = parser.add_subparsers(dest="subcommand", metavar="{generate}")
        generate = commands.add_parser(
            "generate", help="Write synthetic events for a chain to Parquet (canonical event schema)."
        )
        generate.add_argument(
            "chain", metavar="CHAIN", help="slug of an imported chain, or a chain YAML file"
        )
        generate.add_argument("--cases", type=_positive, required=True, help="number of cases to simulate")
        generate.add_argument(
            "--seed", dest="generate_seed", type=int, default=0, help="random seed (default 0)"
        )
        generate.add_argument("--out", required=True, metavar="DIR", help="directory for <slug>.parquet")
        generate.add_argument(
            "--end",
            type=_date,
            default=None,
            help="last day of the simulated period, exclusive (default: first day of this month)",
        )
        generate.add_argument(
            "--chunk-cases",
            type=_positive,
            default=DEFAULT_CHUNK_CASES,
            help=f"cases simulated per chunk; bounds memory (default {DEFAULT_CHUNK_CASES:,})",
        )

    def handle(self, *args, **options) -> None:
        # Not a terminal (a log, a test): wide enough for the logins table on one line each.
        width = None if self.stdout.isatty() else 120
        self.console = Console(file=self.stdout, highlight=False, width=width, soft_wrap=True)
        if options.get("subcommand") == "generate":
            self.generate(options)
        else:
            self.demo(options)

    # -- keten demo generate ----------------------------------------------------------------

    def generate(self, options: dict) -> None:
        spec = self._spec(options["chain"])
        if options["generate_seed"] < 0:
            raise CommandError("--seed must be zero or more.")
        end = options["end"] or default_end()
        self.console.print(f"Generating events for {options['cases']:,} cases of {spec.slug}...")
        summary = generate_events(
            spec,
            cases=options["cases"],
            seed=options["generate_seed"],
            out_dir=options["out"],
            end=end,
            chunk_cases=options["chunk_cases"],
        )
        self.console.print(
            f"Wrote {summary.events:,} events of {summary.cases:,} cases ({spec.slug}, seed "
            f"{options['generate_seed']}, up to {end}) to {summary.path}"
        )

    def _spec(self, chain: str) -> ChainSpec:
        path = Path(chain)
        if path.suffix in (".yaml", ".yml") or path.is_file():
            try:
                return load_chain_definition(path)
            except DefinitionError as e:
                raise CommandError(f"{e.source or chain}:\n  " + "\n  ".join(e.errors)) from None
        from keten.chains.models import Chain

        try:
            found = Chain.objects.filter(slug=chain).first()
        except DatabaseError:
            found = None
        if found is None:
            raise CommandError(
                f"No chain '{chain}': give the slug of an imported chain (keten chain list) or the path of a "
                "chain definition file (.yaml)."
            )
        return found.to_spec()

    # -- keten demo -----------------------------------------------------------------------

    def demo(self, options: dict) -> None:
        port = options["port"]
        if not options["no_serve"]:
            self._check_port(port)
        self.console.print(f"Data dir: {settings.KETEN_DATA_DIR}")
        try:
            setup = set_up_demo(events=options["events"], seed=options["seed"], say=self.console.print)
        except IngestRefused as e:
            raise CommandError(f"The generated events were refused by the event store: {e}") from None
        url = f"http://{HOST}:{port}/"
        table = Table(title=f"Demo logins for {url}", title_justify="left")
        for column in ("username", "password", "role", "chains", "partner"):
            table.add_column(column)
        for login in setup.logins:
            table.add_row(login.username, login.password, login.role, ", ".join(login.chains), login.partner)
        self.console.print(table)
        self.console.print(
            "A second factor is optional in the demo; set KETEN_TOTP_REQUIRED=coordinators to try "
            "what a real installation asks of coordinators (an authenticator app)."
        )
        if options["no_serve"]:
            self.console.print(f"Ready. Serve it with: keten demo --port {port}")
            return
        self.serve(port, options["workers"])

    def _check_port(self, port: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As gunicorn does: connections of an earlier run still in TIME_WAIT do not block the port.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError:
                raise CommandError(f"Port {port} on {HOST} is in use; choose another with --port.") from None

    def serve(self, port: int, workers: int) -> None:
        """Run gunicorn (WhiteNoise in the app serves the static files) until Ctrl-C."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "keten.conf.dev"),
            "KETEN_DATA_DIR": str(settings.KETEN_DATA_DIR),
            # The demo's coordinators log in with the printed password alone; a real
            # installation asks coordinators for a second factor (the default).
            "KETEN_TOTP_REQUIRED": os.environ.get("KETEN_TOTP_REQUIRED", "nobody"),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "keten.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        # Ctrl-C, and a plain `kill` from a service manager or a test, both stop the server cleanly;
        # set explicitly because a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _interrupt)
        server = subprocess.Popen(command, env=env)  # noqa: S603 - fixed command, no shell
        self.console.print(f"Serving Keten at http://{HOST}:{port}/ - press Ctrl-C to stop.")
        try:
            code = server.wait()
        except KeyboardInterrupt:
            self._stop(server)
            self.console.print("Stopped.")
            return
        if code:
            raise CommandError(f"The web server stopped with exit code {code}.")

    def _stop(self, server: subprocess.Popen) -> int:
        # Ctrl-C in a terminal reaches gunicorn too; a signal sent to us alone does not.
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        try:
            return server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            return server.wait()
