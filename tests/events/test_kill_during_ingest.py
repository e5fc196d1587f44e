"""kill -9 of an ingest process at random moments, then a re-run: every event stored exactly once."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
WERK = ROOT / "src" / "keten" / "demo" / "chains" / "werk.yaml"
EVENTS = 150_000

CHECK = """
import json, duckdb, django
django.setup()
from keten.events.models import IngestBatch
from keten.events.store import active_batch_paths, chain_dir
paths = [str(p) for p in active_batch_paths("werk")]
identity = "partner, case_id, activity, timestamp, lifecycle, occurrence"
query = f"SELECT count(*), count(DISTINCT ({identity})) FROM read_parquet({paths})"
rows, distinct = duckdb.sql(query).fetchall()[0] if paths else (0, 0)
files = sorted(p.name for p in chain_dir("werk").glob("*.parquet"))
stored = IngestBatch.objects.filter(rows_stored__gt=0).values_list("batch_id", flat=True)
manifest = sorted(f"batch={b}.parquet" for b in stored)
print(json.dumps({"rows": rows, "distinct": distinct, "files": files, "manifest": manifest}))
"""


def keten(env, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", "from keten.cli import main; main()", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def run(env, *args):
    process = keten(env, *args)
    out, err = process.communicate(timeout=300)
    return process.returncode, out.decode(), err.decode()


def environment(data_dir: Path) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETEN_", "DJANGO_"))}
    env.update(
        KETEN_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="keten.conf.dev", KETEN_SECRET_KEY="test-only"
    )
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated data dir with the werk chain, and a delivery of the municipality."""
    base = tmp_path_factory.mktemp("kill")
    data = base / "template"
    env = environment(data)
    assert run(env, "migrate", "--verbosity", "0")[0] == 0
    code, out, err = run(env, "chain", "import", str(WERK))
    assert code == 0, err
    csv = base / "gemeente.csv"
    duckdb.sql(
        f"""COPY (SELECT 'z' || (i // 6) AS zaak,
                   ['aanmelding_bijstand', 'intakegesprek', 'brede_diagnose', 'trajectplan_vastgesteld',
                    'uitkering_beeindigd', 'nazorggesprek'][1 + i % 6] AS activity,
                   strftime(TIMESTAMP '2023-01-01' + to_minutes(i), '%d-%m-%Y %H:%M') AS timestamp
            FROM range({EVENTS}) t(i)) TO '{csv}' (HEADER)"""
    )
    return data, csv


def ingest_args(csv):
    return ("ingest", "werk", str(csv), "--partner", "gemeente", "--mapping", str(csv.with_suffix(".yaml")))


def check(env):
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_killed_ingest_leaves_nothing_half_and_the_rerun_stores_exactly_once(template, tmp_path):
    data, csv = template
    csv.with_suffix(".yaml").write_text("case_id: zaak\n")
    # How long an undisturbed run takes: kill moments are drawn from that window.
    first = tmp_path / "undisturbed"
    shutil.copytree(data, first)
    started = time.monotonic()
    code, out, err = run(environment(first), *ingest_args(csv))
    duration = time.monotonic() - started
    assert code == 0, err
    assert check(environment(first))["rows"] == EVENTS

    moments = sorted(random.Random(7).uniform(0.2, duration) for _ in range(4))
    for i, moment in enumerate(moments):
        attempt = tmp_path / f"attempt-{i}"
        shutil.copytree(data, attempt)
        env = environment(attempt)
        process = keten(env, *ingest_args(csv))
        time.sleep(moment)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        seen = check(env)
        # Killed: either nothing is visible or the whole batch is (the manifest row was committed).
        assert seen["rows"] in (0, EVENTS), (moment, seen)
        assert seen["distinct"] == seen["rows"]

        code, out, err = run(env, *ingest_args(csv))
        assert code == 0, err
        seen = check(env)
        assert seen["rows"] == seen["distinct"] == EVENTS, (moment, seen)
        assert seen["files"] == seen["manifest"], "leftover files of the killed run were not cleaned up"
        scratch = attempt / "tmp" / "chain=werk"
        assert not list(scratch.glob("ingest-*")), "the killed run's copy of the delivery is still there"
