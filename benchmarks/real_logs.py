"""Keten's ingest plus analyse against PM4Py's read plus compute, on every real log in ../shared/data.

    uv run python benchmarks/real_logs.py [--logs sepsis.csv,BPIC15_1.xes.gz] [--repeats 3]
        [--no-cli] [--end-to-end [LOG]] [--profile DIR]

For each log, in one run, the sides alternate (their order rotates per repeat), each in a fresh
child process; the median of the repeats is reported.

- **keten**: a fresh data directory and SQLite database (a copy of one migrated template), a
  one-stage chain made in code whose activities are the log's activity names (one partner `bron`
  whose column mapping translates each name into a valid activity code with `activity_values`;
  `reject_policy: quarantine`, so a file with copies of one event in it is stored without the
  copies instead of being refused). Then the real `keten ingest CHAIN FILE --partner bron` and
  `keten analyse CHAIN` commands (Django's `call_command`, output captured) in one process.
  `analyse` is what a user gets: `keten.figures.metrics.chain_metrics` computes the WHOLE suite
  (`keten.analytics.suite.run_suite`: case durations and their summary, stage times, handovers,
  the activity DFG with counts, distinct cases and mean/median durations, the partner DFG,
  variants and their count, rework, dropout and dropout points, stage flow, norm compliance,
  KPIs, cases per partner, the data extent), pickles it into the result cache and prints the
  default tables. Django set-up and imports are timed apart, as PM4Py's import is.
- **keten CLI**: the same two commands as a user types them, `uv run keten ingest ...` and
  `uv run keten analyse ...`, each its own process (start-up included), in another fresh data
  directory.
- **pm4py**: `pm4py.read_xes` (CSV: pandas `read_csv` + `format_dataframe`), then
  `discover_dfg`, `discover_performance_dfg`, `get_variants`, `get_all_case_durations`.

The table gives seconds and CPU seconds (all threads: the machine has two cores and other work
runs beside it), the ratio PM4Py total / Keten total (> 1: Keten is faster) and whether the
number of events, directly-follows pairs and variants agree. A second table itemises Keten's
fixed costs, from time stamps around the steps (wrappers put around Keten's functions in the
child; nothing in src/ changes). Nested steps are marked as such.

`--end-to-end` also times `time uv run keten ingest ...` and `time .venv/bin/keten ingest ...`
on one log (default BPIC15_1.xes.gz, 52k events) with the start-up itemised.
`--profile DIR` writes a pyinstrument profile of each keten ingest and analyse into DIR (needs
`uv pip install pyinstrument`). To measure a commit while the working tree is being edited:
`git archive HEAD src | tar -x -C /tmp/k` and run with `PYTHONPATH=/tmp/k/src` (printed below
as "keten imported from").
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LOGS = (
    "running-example.xes",
    "roadtraffic100traces.xes",
    "receipt.xes",
    "receipt.csv",
    "sepsis.csv",
    "helpdesk.xes.gz",
    "BPIC15_1.xes.gz",
)
PARTNER = "bron"

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
warnings.filterwarnings("ignore", message="Install the optional requirement")
sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # the flag PM4Py itself sets


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the log's activities and the chain made from them (untimed preparation) ----------------


def _delimiter(path: Path) -> str:
    first = path.open(encoding="utf-8-sig").readline()
    return ";" if first.count(";") > first.count(",") else ","


def activity_names(path: Path) -> list[str]:
    """The activity names in the log, in order of first appearance."""
    if path.name.endswith((".xes", ".xes.gz")):
        from lxml import etree

        names: dict[str, None] = {}
        with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as handle:
            for _, element in etree.iterparse(
                handle, events=("end",), tag="{*}event", resolve_entities=False
            ):
                for child in element:
                    if child.get("key") == "concept:name":
                        names[child.get("value")] = None
                element.clear()
        return list(names)
    import pandas as pd

    frame = pd.read_csv(path, sep=_delimiter(path), dtype=str, keep_default_na=False)
    column = next(c for c in ("concept:name", "Activity", "activity") if c in frame.columns)
    return list(dict.fromkeys(frame[column]))


def _code(name: str, taken: set[str]) -> str:
    code = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:70] or "activiteit"
    if not code[0].isalpha():
        code = f"a_{code}"
    base, n = code, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    taken.add(code)
    return code


def slug_of(log: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", log.lower()).strip("-")[:50]


def chain_definition(log: str, names: list[str]) -> str:
    """A minimal valid chain definition: one partner, one stage holding every activity."""
    from keten.analytics.model import ActivitySpec, ChainSpec, PartnerSpec, StageSpec
    from keten.chains.definition import dump_chain_definition, load_chain_definition

    taken: set[str] = set()
    codes = {name: _code(name, taken) for name in names}
    spec = ChainSpec(
        slug=slug_of(log),
        name=f"Log {log}",
        reject_policy="quarantine",
        partners=(PartnerSpec(code=PARTNER, name="Bron", column_mapping={"activity_values": codes}),),
        stages=(
            StageSpec(
                code="alles",
                name="Alle activiteiten",
                partner=PARTNER,
                activities=tuple(ActivitySpec(code=c, name=n[:200] or c) for n, c in codes.items()),
            ),
        ),
    )
    text = dump_chain_definition(spec)
    load_chain_definition(text)  # refuses anything invalid, with every problem listed
    return text


def _setup_django(data_dir: Path) -> None:
    os.environ["KETEN_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "keten.conf.dev"
    import django

    django.setup()


def run_setup(base: Path, definitions: dict[str, Path], out: Path) -> None:
    """Child: migrate one template data directory, then one copy per log with its chain."""
    from django.core.management import call_command

    _setup_django(base)
    call_command("migrate", verbosity=0)
    from django.db import connections

    from keten.chains.actions import save_chain_spec
    from keten.chains.definition import load_chain_definition

    connection = connections["default"]
    for log, definition in definitions.items():
        connection.close()
        target = out / slug_of(log)
        shutil.copytree(base, target)
        connection.settings_dict["NAME"] = str(target / "keten.sqlite3")
        save_chain_spec(load_chain_definition(definition))
    connection.close()


# --- timers around Keten's own functions (in the child) --------------------------------------

TIMES: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)


def _wrap(owner, attr: str, label: str, keep=None) -> None:
    original = getattr(owner, attr)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = original(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started
            COUNTS[label] += 1
        if keep is not None:
            keep[label] = result
        return result

    timed.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(owner, attr, timed)


def _wrap_ingest() -> None:
    from django.db.backends.sqlite3 import base as sqlite_base

    from keten.events import actions, bsn, delivery, store

    _wrap(sqlite_base.DatabaseWrapper, "get_new_connection", "DB connection (SQLite)")
    _wrap(store, "remove_orphans", "orphans check")
    _wrap(actions, "file_checksum", "checksum (sha256, in a thread)")
    _wrap(actions, "_connect", "DuckDB staging connection")
    _wrap(delivery, "load_source", "read (parse the file)")
    _wrap(delivery, "_might_be_repeat", "repeat check (DB)")
    _wrap(delivery, "_store_clean_file", "one pass + copy check")
    _wrap(delivery, "copy_clean_events", "one pass: map, check, write")
    _wrap(delivery, "stage_with_fallback", "validate (staged, the long way)")
    _wrap(bsn, "scan", "BSN scan")
    _wrap(store, "write_batch_file", "write Parquet batch")
    _wrap(store, "publish", "publish (fsync, rename)")
    _wrap(delivery, "_record_batch", "manifest (IngestBatch row)")


def _wrap_analyse(keep: dict) -> None:
    import ibis.backends.duckdb as ibis_duckdb
    import ibis.backends.sql as ibis_sql

    from keten.analytics import cache, engine, flow, suite
    from keten.figures import metrics

    _wrap(metrics, "store_version", "manifest reads (store version, paths)")
    _wrap(metrics, "event_paths", "manifest reads (store version, paths)")
    _wrap(engine, "connect", "Ibis DuckDB connection")
    _wrap(engine, "read_events", "read_parquet (Ibis table)")
    _wrap(suite, "run_suite", "suite (all metrics)")
    _wrap(flow.Prepared, "cache", "materialise (prepare + ordered events)")
    _wrap(cache.ResultCache, "_write", "result cache write (pickle)")
    _wrap(ibis_sql.SQLBackend, "compile", "Ibis compile (all queries)")
    _wrap(ibis_duckdb.Backend, "to_pyarrow", "queries to Arrow (compile + run)")
    _wrap(ibis_duckdb.Backend, "raw_sql", "raw SQL (temp tables, settings)")


# Display order of the itemised steps; the indentation shows what runs inside what.
INGEST_STEPS = (
    "  DB connection (SQLite)",
    "  orphans check",
    "  checksum (sha256, in a thread)",
    "  DuckDB staging connection",
    "  read (parse the file)",
    "  repeat check (DB)",
    "  one pass + copy check",
    "    one pass: map, check, write",
    "  validate (staged, the long way)",
    "  BSN scan",
    "      write Parquet batch",
    "      publish (fsync, rename)",
    "  manifest (IngestBatch row)",
)
ANALYSE_STEPS = (
    "  chain_metrics (suite, cache)",
    "    manifest reads (store version, paths)",
    "    Ibis DuckDB connection",
    "    read_parquet (Ibis table)",
    "    suite (all metrics)",
    "      materialise (prepare + ordered events)",
    "      Ibis compile (all queries)",
    "      queries to Arrow (compile + run)",
    "      raw SQL (temp tables, settings)",
    "      queries (count)",
    "      Ibis compiles (count)",
    "    result cache write (pickle)",
    "  printing the tables",
)


def _profiled(profile_dir: str, name: str):
    if not profile_dir:
        return None
    from pyinstrument import Profiler

    return Profiler(interval=0.001), Path(profile_dir) / name


def run_keten(log: str, slug: str, launched: float, profile_dir: str = "", ingest_only: bool = False) -> dict:
    """Child: the real `keten ingest` and `keten analyse` commands, timed step by step."""
    entered = time.time()
    out: dict = {"start-up: interpreter (launch to script)": entered - launched}
    started = time.perf_counter()
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "keten.conf.dev"
    django.setup()
    out["start-up: Django set-up"] = time.perf_counter() - started
    started = time.perf_counter()
    from django.core.management import call_command

    from keten.events.management.commands import ingest as _ingest_command  # noqa: F401

    out["start-up: ingest command imports"] = time.perf_counter() - started
    _wrap_ingest()

    path = DATA / log
    buffer = io.StringIO()
    profiler = _profiled(profile_dir, f"{slug}-ingest")
    if profiler:
        profiler[0].start()
    cpu, started = _cpu(), time.perf_counter()
    try:
        call_command("ingest", slug, str(path), partner=PARTNER, json=True, stdout=buffer)
    except SystemExit:
        pass
    out["ingest"] = time.perf_counter() - started
    out["ingest cpu"] = _cpu() - cpu
    if profiler:
        profiler[0].stop()
        profiler[1].with_suffix(".txt").write_text(profiler[0].output_text(unicode=False, color=False))
    report = json.loads(buffer.getvalue())
    out["report"] = {k: report.get(k) for k in ("status", "counts")}
    out["ingest steps"] = dict(TIMES)
    TIMES.clear()
    if ingest_only:
        return out

    started = time.perf_counter()
    import ibis.backends.duckdb  # noqa: F401

    from keten.monitor.management.commands import analyse as analyse_command

    out["start-up: analyse command imports"] = time.perf_counter() - started
    keep: dict = {}
    _wrap_analyse(keep)
    _wrap(analyse_command, "chain_metrics", "chain_metrics (suite, cache)", keep=keep)
    profiler = _profiled(profile_dir, f"{slug}-analyse")
    if profiler:
        profiler[0].start()
    cpu, started = _cpu(), time.perf_counter()
    call_command("analyse", slug, stdout=io.StringIO())
    out["analyse"] = time.perf_counter() - started
    out["analyse cpu"] = _cpu() - cpu
    if profiler:
        profiler[0].stop()
        profiler[1].with_suffix(".txt").write_text(profiler[0].output_text(unicode=False, color=False))
    steps = dict(TIMES)
    steps["printing the tables"] = out["analyse"] - steps["chain_metrics (suite, cache)"]
    steps["queries (count)"] = COUNTS["queries to Arrow (compile + run)"]
    steps["Ibis compiles (count)"] = COUNTS["Ibis compile (all queries)"]
    out["analyse steps"] = steps
    m = keep["chain_metrics (suite, cache)"]
    out["counts"] = {"events": m.events, "pairs": len(m.dfg_activity), "variants": m.variant_count}
    return out


# --- PM4Py ---------------------------------------------------------------------------------


def run_pm4py(log: str, launched: float) -> dict:
    entered = time.time()
    started = time.perf_counter()
    import pandas as pd
    import pm4py

    out: dict = {"interpreter": entered - launched, "import": time.perf_counter() - started}
    path = DATA / log
    cpu, started = _cpu(), time.perf_counter()
    if log.endswith(".csv"):
        if log == "sepsis.csv":
            raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)  # case "NA" is a case
            df = pm4py.format_dataframe(
                raw,
                case_id="Case ID",
                activity_key="Activity",
                timestamp_key="Complete Timestamp",
                timest_format="%Y/%m/%d %H:%M:%S.%f",
            )
        else:
            raw = pd.read_csv(path, sep=_delimiter(path), dtype=str, keep_default_na=False)
            df = pm4py.format_dataframe(
                raw, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
            )
    else:
        df = pm4py.read_xes(str(path))
    out["read"] = time.perf_counter() - started
    started = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(df)
    perf, _, _ = pm4py.discover_performance_dfg(df)
    variants = pm4py.get_variants(df)
    durations = pm4py.get_all_case_durations(df)
    out["compute"] = time.perf_counter() - started
    out["cpu"] = _cpu() - cpu
    assert len(perf) == len(dfg) and len(durations) == df["case:concept:name"].nunique()  # noqa: S101
    out["counts"] = {"events": len(df), "pairs": len(dfg), "variants": len(variants)}
    return out


# --- the parent -----------------------------------------------------------------------------


def _child(args: list[str], env: dict[str, str] | None = None) -> dict:
    launched = time.time()
    cmd = [sys.executable, __file__, "--child", *args, repr(launched)]
    wall, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {args[0]} failed for {args[1]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process wall"] = time.perf_counter() - wall
    result["process cpu"] = _children_cpu() - cpu
    return result


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    return time.perf_counter() - wall, _children_cpu() - cpu, done.returncode


def _uv() -> list[str]:
    return [shutil.which("uv") or "uv", "run", "--no-sync"]


def run_cli(log: str, data_dir: Path) -> dict:
    env = {**os.environ, "KETEN_DATA_DIR": str(data_dir), "UV_NO_SYNC": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    slug = slug_of(log)
    ingest = _timed([*_uv(), "keten", "ingest", slug, str(DATA / log), "--partner", PARTNER], env)
    analyse = _timed([*_uv(), "keten", "analyse", slug], env)
    if ingest[2] or analyse[2]:
        raise SystemExit(f"keten CLI failed for {log} (exit {ingest[2]}, {analyse[2]})")
    return {"ingest": ingest[0], "ingest cpu": ingest[1], "analyse": analyse[0], "analyse cpu": analyse[1]}


def baselines(repeats: int) -> dict[str, float]:
    """Start-up costs outside Keten: uv run, the interpreter, the empty `keten` command."""
    env = {**os.environ, "UV_NO_SYNC": "1", "KETEN_DATA_DIR": tempfile.mkdtemp(prefix="keten-bl-")}
    runs = defaultdict(list)
    for _ in range(repeats):
        runs["python -c pass"].append(_timed([sys.executable, "-c", "pass"], env)[0])
        runs["uv run python -c pass"].append(_timed([*_uv(), "python", "-c", "pass"], env)[0])
        runs["uv run keten --version"].append(_timed([*_uv(), "keten", "--version"], env)[0])
    return {k: statistics.median(v) for k, v in runs.items()}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _steps_median(runs: list[dict], key: str) -> dict[str, float]:
    names = list(dict.fromkeys(n for r in runs for n in r.get(key, {})))
    return {n: _median([r[key].get(n, 0.0) for r in runs]) for n in names}


def _git() -> str:
    import keten

    def git(*a: str) -> str:
        return subprocess.run(
            ["git", *a], capture_output=True, text=True, cwd=ROOT, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    where = Path(keten.__file__).resolve().parent.parent
    return (
        f"commit {git('rev-parse', '--short', 'HEAD')}"
        f"{' (src/ has uncommitted changes in this checkout)' if dirty else ''}; "
        f"keten imported from {where}"
    )


def end_to_end(log: str, repeats: int, template: Path, tmp: Path) -> None:
    """`time keten ingest ...` on one log, with the start-up costs itemised."""
    from rich.console import Console
    from rich.table import Table

    slug = slug_of(log)
    keten_bin = str(Path(sys.executable).parent / "keten")
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    inside: list[dict] = []
    for r in range(repeats):
        for how in ("uv", "bin", "itemised") if r % 2 == 0 else ("itemised", "bin", "uv"):
            data_dir = tmp / f"e2e-{how}-{r}"
            shutil.copytree(template / slug, data_dir)
            env = {**os.environ, "KETEN_DATA_DIR": str(data_dir), "UV_NO_SYNC": "1"}
            env.pop("DJANGO_SETTINGS_MODULE", None)
            if how == "itemised":
                inside.append(_child(["keten-ingest", log, slug, ""], env))
                continue
            prefix = " ".join(_uv()) + " keten" if how == "uv" else keten_bin
            cmd = f"time {prefix} ingest {slug} {DATA / log} --partner {PARTNER} >/dev/null 2>&1"
            # bash's own `time`, as a user would type it; TIMEFORMAT makes it parseable.
            done = subprocess.run(
                ["bash", "-c", cmd],
                capture_output=True,
                text=True,
                env={**env, "TIMEFORMAT": "%R %U %S"},
                cwd=ROOT,
                check=True,
            )
            real, user, system = (float(x) for x in done.stderr.split()[-3:])
            runs[how].append((real, user + system))
    n_events = inside[0]["report"]["counts"].get("rows_read")
    table = Table(title=f"End to end: time keten ingest {log} ({n_events:,} events), median of {repeats}")
    for col in ("what", "seconds", "CPU s"):
        table.add_column(col, justify="left" if col == "what" else "right")
    for how, label in (("uv", "time uv run keten ingest ..."), ("bin", "time .venv/bin/keten ingest ...")):
        table.add_row(
            label, f"{_median([w for w, _ in runs[how]]):.2f}", f"{_median([c for _, c in runs[how]]):.2f}"
        )
    table.add_row(
        "itemised (python child, call_command): process",
        f"{_median([i['process wall'] for i in inside]):.2f}",
        f"{_median([i['process cpu'] for i in inside]):.2f}",
    )
    for key in (
        "start-up: interpreter (launch to script)",
        "start-up: Django set-up",
        "start-up: ingest command imports",
    ):
        table.add_row(f"  {key}", f"{_median([i[key] for i in inside]):.3f}", "")
    table.add_row(
        "  ingest (call_command)",
        f"{_median([i['ingest'] for i in inside]):.3f}",
        f"{_median([i['ingest cpu'] for i in inside]):.2f}",
    )
    steps = _steps_median(inside, "ingest steps")
    for key in INGEST_STEPS:
        if key.strip() in steps:
            table.add_row(f"  {key}", f"{steps[key.strip()]:.3f}", "")
    rest = _median(
        [
            i["process wall"] - i["ingest"] - sum(v for k, v in i.items() if k.startswith("start-up"))
            for i in inside
        ]
    )
    table.add_row("  exit (interpreter shut-down, DuckDB close) and the rest", f"{rest:.3f}", "")
    Console(width=200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logs", default=",".join(LOGS), help="comma-separated files in ../shared/data")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side and log (median reported)")
    parser.add_argument("--no-cli", action="store_true", help="skip the `uv run keten ...` columns")
    parser.add_argument(
        "--end-to-end",
        nargs="?",
        const="BPIC15_1.xes.gz",
        default="",
        metavar="LOG",
        help="also time `time keten ingest LOG` with its start-up itemised (default BPIC15_1.xes.gz)",
    )
    parser.add_argument(
        "--profile", default="", metavar="DIR", help="pyinstrument profiles of keten into DIR"
    )
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    wanted = [name.strip() for name in args.logs.split(",") if name.strip()]
    logs = []
    for log in wanted:
        if (DATA / log).is_file():
            logs.append(log)
        else:
            print(f"skipped {log}: no such file in {DATA}", file=sys.stderr)
    if args.end_to_end and not (DATA / args.end_to_end).is_file():
        print(f"skipped the end-to-end run: no file {DATA / args.end_to_end}", file=sys.stderr)
        args.end_to_end = ""
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    print(_git(), file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="keten-real-logs-") as tmp_name:
        tmp = Path(tmp_name)
        definitions = {}
        setup_logs = list(dict.fromkeys([*logs, *([args.end_to_end] if args.end_to_end else [])]))
        for log in setup_logs:
            definitions[log] = tmp / f"{slug_of(log)}.yaml"
            definitions[log].write_text(chain_definition(log, activity_names(DATA / log)), encoding="utf-8")
        template = tmp / "templates"
        template.mkdir()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--setup",
                str(tmp / "base"),
                str(template),
                json.dumps({k: str(v) for k, v in definitions.items()}),
            ],
            check=True,
        )
        base = baselines(args.repeats) if not args.no_cli else {}

        results: dict[str, dict[str, list]] = {}
        for log in logs:
            slug = slug_of(log)
            runs: dict[str, list] = defaultdict(list)
            sides = ["keten", "pm4py", *([] if args.no_cli else ["cli"])]
            for r in range(args.repeats):
                order = sides[r % len(sides) :] + sides[: r % len(sides)]
                for side in order:
                    data_dir = tmp / f"{slug}-{side}-{r}"
                    if side != "pm4py":
                        shutil.copytree(template / slug, data_dir)
                    if side == "keten":
                        profile = args.profile if r == 0 else ""
                        runs["keten"].append(
                            _child(["keten", log, slug, profile], {"KETEN_DATA_DIR": str(data_dir)})
                        )
                    elif side == "pm4py":
                        runs["pm4py"].append(_child(["pm4py", log, "-"]))
                    else:
                        runs["cli"].append(run_cli(log, data_dir))
                    shutil.rmtree(data_dir, ignore_errors=True)
            results[log] = runs
            k, p = runs["keten"], runs["pm4py"]
            print(
                json.dumps(
                    {
                        "log": log,
                        "keten_ingest_s": [round(x["ingest"], 3) for x in k],
                        "keten_analyse_s": [round(x["analyse"], 3) for x in k],
                        "pm4py_read_s": [round(x["read"], 3) for x in p],
                        "pm4py_compute_s": [round(x["compute"], 3) for x in p],
                        "cli_s": [round(x["ingest"] + x["analyse"], 2) for x in runs.get("cli", [])],
                    }
                ),
                file=sys.stderr,
                flush=True,
            )

        console = Console(width=240)
        table = Table(
            title=f"Keten ingest + analyse vs PM4Py read + compute, median of {args.repeats}, "
            f"{os.cpu_count()} cores"
        )
        columns = (
            "log",
            "events",
            "keten ingest s",
            "keten analyse s",
            "keten total",
            "pm4py read s",
            "pm4py compute s",
            "pm4py total",
            "ratio",
            "CPU s keten / pm4py",
            "CLI ingest s",
            "CLI analyse s",
            "CLI total (CPU)",
            "pm4py process s",
            "ratio CLI",
            "stored / refused",
            "same counts",
        )
        for col in columns:
            table.add_column(
                col,
                justify="left" if col in ("log", "same counts", "stored / refused") else "right",
                no_wrap=col == "log",
            )
        mismatches: list[str] = []
        for log, runs in results.items():
            k, p, c = runs["keten"], runs["pm4py"], runs.get("cli", [])
            ki, ka = _median([x["ingest"] for x in k]), _median([x["analyse"] for x in k])
            kt = _median([x["ingest"] + x["analyse"] for x in k])
            pr, pc = _median([x["read"] for x in p]), _median([x["compute"] for x in p])
            pt = _median([x["read"] + x["compute"] for x in p])
            kcpu = _median([x["ingest cpu"] + x["analyse cpu"] for x in k])
            pcpu = _median([x["cpu"] for x in p])
            pproc = _median([x["process wall"] for x in p])
            ct = _median([x["ingest"] + x["analyse"] for x in c]) if c else None
            ccpu = _median([x["ingest cpu"] + x["analyse cpu"] for x in c]) if c else None
            counts = k[0]["report"]["counts"]
            ours, theirs = k[0]["counts"], p[0]["counts"]
            same = "yes" if ours == theirs else "no (below)"
            if ours != theirs:
                mismatches.append(
                    f"{log}: "
                    + ", ".join(f"{key} {ours[key]:,} (keten) vs {theirs[key]:,} (pm4py)" for key in ours)
                )
            table.add_row(
                log,
                f"{theirs['events']:,}",
                f"{ki:.3f}",
                f"{ka:.3f}",
                f"{kt:.3f}",
                f"{pr:.3f}",
                f"{pc:.3f}",
                f"{pt:.3f}",
                f"{pt / kt:.2f}x",
                f"{kcpu:.2f} / {pcpu:.2f}",
                f"{_median([x['ingest'] for x in c]):.2f}" if c else "-",
                f"{_median([x['analyse'] for x in c]):.2f}" if c else "-",
                f"{ct:.2f} ({ccpu:.1f})" if c else "-",
                f"{pproc:.2f}",
                f"{pproc / ct:.2f}x" if c else "-",
                f"{counts.get('rows_stored', 0):,} / {counts.get('rows_rejected', 0):,}",
                same,
            )
        console.print(table)
        console.print(
            "ratio = PM4Py total / Keten total (> 1: Keten faster); both without start-up and imports. "
            "ratio CLI = the PM4Py child process (interpreter, import, read, compute) / "
            "`uv run keten ingest` + `uv run keten analyse`. "
            "same counts: events, directly-follows pairs and variants of keten analyse vs PM4Py."
        )
        for line in mismatches:
            console.print(f"  counts differ: {line}")

        fixed = Table(
            title="Keten's fixed costs itemised (seconds, median); indented steps are inside the one above"
        )
        fixed.add_column("step")
        for log in results:
            fixed.add_column(log, justify="right")
        keys = [
            "start-up: interpreter (launch to script)",
            "start-up: Django set-up",
            "start-up: ingest command imports",
            "start-up: analyse command imports",
        ]
        rows: dict[str, list[str]] = {key: [] for key in keys}
        rows["ingest (call_command)"] = []
        for s in INGEST_STEPS:
            rows[s] = []
        rows["  rest of ingest (command, report, lock)"] = []
        rows["analyse (call_command)"] = []
        for s in ANALYSE_STEPS:
            rows[s] = []
        for runs in results.values():
            k = runs["keten"]
            for key in keys:
                rows[key].append(f"{_median([x[key] for x in k]):.3f}")
            rows["ingest (call_command)"].append(f"{_median([x['ingest'] for x in k]):.3f}")
            steps = _steps_median(k, "ingest steps")
            for s in INGEST_STEPS:
                rows[s].append(f"{steps[s.strip()]:.3f}" if s.strip() in steps else "-")
            top = [s.strip() for s in INGEST_STEPS if s.startswith("  ") and not s.startswith("   ")]
            top = [s for s in top if not s.startswith(("checksum", "DB connection"))]
            rest = _median(
                [x["ingest"] - sum(v for s, v in x["ingest steps"].items() if s in top) for x in k]
            )
            rows["  rest of ingest (command, report, lock)"].append(f"{rest:.3f}")
            rows["analyse (call_command)"].append(f"{_median([x['analyse'] for x in k]):.3f}")
            steps = _steps_median(k, "analyse steps")
            for s in ANALYSE_STEPS:
                value = steps.get(s.strip())
                rows[s].append("-" if value is None else f"{value:.0f}" if "count" in s else f"{value:.3f}")
        for key, values in rows.items():
            fixed.add_row(key, *values)
        console.print(fixed)
        if base:
            pm4py_import = statistics.median(x["import"] for r in results.values() for x in r["pm4py"])
            console.print(
                "Outside Keten (median): "
                + ", ".join(f"{k} {v:.3f} s" for k, v in base.items())
                + f"; PM4Py import {pm4py_import:.3f} s"
            )

        if args.end_to_end:
            end_to_end(args.end_to_end, args.repeats, template, tmp)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        run_setup(
            Path(sys.argv[2]), {k: Path(v) for k, v in json.loads(sys.argv[4]).items()}, Path(sys.argv[3])
        )
    elif len(sys.argv) > 1 and sys.argv[1] == "--child":
        side, log, arg, *rest = sys.argv[2:]
        launched = float(rest[-1])
        if side == "pm4py":
            payload = run_pm4py(log, launched)
        else:
            payload = run_keten(
                log, arg, launched, rest[0] if len(rest) > 1 else "", ingest_only=side == "keten-ingest"
            )
        print(json.dumps(payload, default=str))
    else:
        main()
