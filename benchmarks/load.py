"""Load and soak benchmark for the monitor pages and API against a running server.

Usage:
    # 1. data: the demo (`uv run keten demo --events 1000000 --no-serve`) or, without it:
    KETEN_DATA_DIR=/tmp/keten-load uv run python benchmarks/load.py prepare --events 1000000
    # 2. a server on that data dir; what is measured is the pages, so the server lets the
    #    coordinator in on the password alone (as `keten demo` does):
    KETEN_DATA_DIR=/tmp/keten-load KETEN_TOTP_REQUIRED=nobody \
        uv run gunicorn keten.wsgi -w 4 -b 127.0.0.1:8765 -p /tmp/keten-load.pid
    # 3. the run (warms every URL once per worker first, then measures):
    uv run python benchmarks/load.py run --base http://127.0.0.1:8765 --chain werk \
        --clients 20 --seconds 60
    # a soak: ten minutes, and the workers' memory sampled every 30 s (it must stay flat)
    uv run python benchmarks/load.py run --clients 20 --seconds 600 --watch-pid $(cat /tmp/keten-load.pid)

Each client logs in through the login form as one of the demo's roles of the chain
(`<chain>-regisseur`, `<chain>-analist`, `<chain>-stuurgroep`, password `keten-demo`; other
accounts with --users and KETEN_LOAD_PASSWORD) and requests the monitor pages and API endpoints
in turn. Prints a table of request count, errors, median, p95 and max latency per URL and
overall, and with --watch-pid the memory of the server's processes over time; exits 1 when
there were errors, the overall p95 is above --p95-ms or the memory grew more than 25 % after
the warm-up.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

PAGES = [
    "/ketens/{chain}/monitor/",
    "/ketens/{chain}/monitor/stroom/",
    "/ketens/{chain}/monitor/doorlooptijden/",
    "/ketens/{chain}/monitor/normen/",
    "/ketens/{chain}/monitor/werkvoorraad/",
    "/ketens/{chain}/monitor/varianten/",
    "/ketens/{chain}/monitor/partners/{partner}/",
    "/api/chains/{chain}/kpis/",
    "/api/chains/{chain}/flow/",
    "/api/chains/{chain}/norms/",
]
ROLES = {"coordinator": "{chain}-regisseur", "analyst": "{chain}-analist", "steering": "{chain}-stuurgroep"}
PASSWORD = os.environ.get("KETEN_LOAD_PASSWORD", "keten-demo")  # the demo's
MEMORY_GROWTH = 1.25  # the soak fails when the server's memory grows more than this after warm-up


# --- data ------------------------------------------------------------------------------------


def prepare(events: int, chain_file: str) -> None:
    """Load a reference chain, personas and `events` synthetic events into KETEN_DATA_DIR."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keten.conf.dev")
    import django

    django.setup()
    from pathlib import Path

    import pyarrow.parquet as pq
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from keten.analytics.synthetic import synthetic_events
    from keten.chains.actions import save_chain_spec
    from keten.chains.definition import REFERENCE_DIR, load_chain_definition
    from keten.chains.models import Membership
    from keten.events.models import IngestBatch
    from keten.events.store import batch_path

    call_command("migrate", verbosity=0)
    spec = load_chain_definition(Path(REFERENCE_DIR) / chain_file)
    chain = save_chain_spec(spec)
    User = get_user_model()
    for role, name in ROLES.items():
        username = name.format(chain=chain.slug)
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username, password=PASSWORD
        )
        partner = chain.partners.filter(kind="producing").first() if role == "analyst" else None
        Membership.objects.update_or_create(
            user=user, chain=chain, defaults={"role": role, "partner": partner}
        )
    if not IngestBatch.objects.filter(chain=chain).exists():
        table = synthetic_events(spec, events, start="2023-01-01", span_days=900, batch_id="load")
        tmp = Path(settings.KETEN_DATA_DIR) / "tmp" / "load-events.parquet"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        try:
            from keten.events.actions import ingest_canonical_parquet

            ingest_canonical_parquet(chain, tmp)
        except Exception as exc:  # noqa: BLE001 - fall back to the store layout the reader uses
            print(f"ingest refused ({exc}); placing the file in the store directly", file=sys.stderr)
            target = batch_path(chain, "load")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.replace(target)
            IngestBatch.objects.create(
                chain=chain,
                batch_id="load",
                source_name="synthetic",
                source_format="parquet",
                source_sha256="load",
                rows_read=table.num_rows,
                rows_accepted=table.num_rows,
                rows_stored=table.num_rows,
            )
    print(f"chain {chain.slug}: ready in {settings.KETEN_DATA_DIR}")


# --- the run ---------------------------------------------------------------------------------


def session(base: str, username: str) -> urllib.request.OpenerDirector:
    """An opener logged in through the login form (cookies kept)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}
    )
    req = urllib.request.Request(f"{base}/login/", data=data.encode(), headers={"Referer": f"{base}/login/"})
    response = opener.open(req, timeout=30)
    if "/login/" in response.geturl():
        raise SystemExit(f"could not log in as {username} (password from KETEN_LOAD_PASSWORD)")
    if "/tweede-factor/" in response.geturl():
        raise SystemExit(
            f"{username} is asked for a second factor: start the server with KETEN_TOTP_REQUIRED=nobody"
        )
    return opener


def fetch(opener, url: str) -> tuple[float, bool]:
    start = time.perf_counter()
    try:
        with opener.open(url, timeout=30) as response:
            response.read()
            ok = response.status == 200
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        ok = False
    return time.perf_counter() - start, ok


def server_memory(pid: int) -> int:
    """Resident memory of the server: the process and its workers, in bytes."""
    import psutil

    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def run(
    base: str,
    chain: str,
    partner: str,
    clients: int,
    seconds: float,
    p95_ms: float,
    users: list[str] | None = None,
    watch_pid: int | None = None,
    warm_rounds: int = 8,
) -> int:
    urls = [base + p.format(chain=chain, partner=partner) for p in PAGES]
    roles = users or [name.format(chain=chain) for name in ROLES.values()]
    openers = [session(base, roles[i % len(roles)]) for i in range(clients)]
    # Warm: every URL for every role several times, so each worker process has its cache filled.
    for opener in openers[: len(roles)]:
        for _ in range(warm_rounds):
            for url in urls:
                fetch(opener, url)
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    memory: list[tuple[float, int]] = []
    begin = time.monotonic()
    stop = begin + seconds

    def client(i: int) -> None:
        opener = openers[i]
        n = i
        while time.monotonic() < stop:
            url = urls[n % len(urls)]
            n += 1
            elapsed, ok = fetch(opener, url)
            with lock:
                results[url].append(elapsed)
                if not ok:
                    errors[url] += 1

    def watch() -> None:
        while True:
            memory.append((time.monotonic() - begin, server_memory(watch_pid)))
            if time.monotonic() >= stop:
                return
            time.sleep(min(30.0, max(0.0, stop - time.monotonic())))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    if watch_pid:
        threads.append(threading.Thread(target=watch))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def row(name: str, values: list[float], errs: int) -> str:
        values = sorted(values)
        p95 = values[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")
        return (
            f"| {name:<44} | {len(values):>6} | {errs:>6} | {statistics.median(values) * 1000:>8.1f} | "
            f"{p95 * 1000:>8.1f} | {max(values) * 1000:>8.1f} |"
        )

    print(f"\n{clients} clients, {seconds:.0f} s, {base}, chain {chain}\n")
    print(f"| {'url':<44} | {'reqs':>6} | {'errors':>6} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} |")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for url in urls:
        print(row(url.removeprefix(base), results[url], errors[url]))
    everything = [v for vs in results.values() for v in vs]
    total_errors = sum(errors.values())
    print(row("ALL", everything, total_errors))
    everything.sort()
    p95 = everything[int(len(everything) * 0.95) - 1] * 1000
    print(
        f"\nthroughput {len(everything) / seconds:.1f} req/s; p95 {p95:.1f} ms "
        f"(goal < {p95_ms:.0f} ms); errors {total_errors}"
    )
    flat = True
    if memory:
        print("\n| seconds | server memory MB |\n|--------:|-----------------:|")
        for at, rss in memory:
            print(f"| {at:>7.0f} | {rss / 2**20:>16.0f} |")
        flat = memory[-1][1] <= memory[0][1] * MEMORY_GROWTH
        growth = memory[-1][1] / memory[0][1] - 1
        print(
            f"memory after warm-up {memory[0][1] / 2**20:.0f} MB, at the end {memory[-1][1] / 2**20:.0f} MB "
            f"({growth:+.0%}; limit {MEMORY_GROWTH - 1:+.0%})"
        )
    return 0 if total_errors == 0 and p95 < p95_ms and flat else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="load a reference chain, personas and synthetic events")
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--chain-file", default="werk.yaml")
    r = sub.add_parser("run", help="measure a running server")
    r.add_argument("--base", default="http://127.0.0.1:8765")
    r.add_argument("--chain", default="werk")
    r.add_argument("--partner", default="gemeente")
    r.add_argument("--clients", type=int, default=20)
    r.add_argument("--seconds", type=float, default=60)
    r.add_argument("--p95-ms", type=float, default=300)
    r.add_argument("--users", help="comma-separated accounts to log in as, instead of the demo's")
    r.add_argument("--watch-pid", type=int, help="the server's (gunicorn master's) pid: sample its memory")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.events, args.chain_file)
        return 0
    users = args.users.split(",") if args.users else None
    return run(
        args.base.rstrip("/"),
        args.chain,
        args.partner,
        args.clients,
        args.seconds,
        args.p95_ms,
        users=users,
        watch_pid=args.watch_pid,
    )


if __name__ == "__main__":
    sys.exit(main())
