"""Benchmark: peak RSS of a web worker that receives one real XES upload.

    uv run python benchmarks/upload_xes.py [--logs BPIC15_1.xes.gz receipt.xes generated:300000]

For each log, a fresh child process sets Django up on a fresh data directory, makes a chain
whose one partner's mapping knows every activity of the log (as benchmarks/real_logs.py does)
and POSTs the file to the deliveries page through Django's test client: the real multipart
upload, upload handlers and ingestion a worker runs. The child prints its peak RSS before the
upload (Django and the libraries loaded) and after it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generated_log(events: int, directory: Path) -> Path:
    """A gzipped XES log of `events` events for `gemeente` of the chain `werk` (30 keys per
    event: it packs about 100x, so a few MB expand to hundreds)."""
    import gzip
    import shutil

    import ingest_xes

    plain = directory / "generated.xes"
    ingest_xes.write_xes(plain, events, 30)
    packed = directory / f"generated-{events}.xes.gz"
    with open(plain, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    plain.unlink()
    return packed


def child(log: str, data_dir: str) -> None:
    import real_logs

    generated = log.startswith("generated:")
    path = generated_log(int(log.split(":")[1]), Path(data_dir)) if generated else DATA / log
    os.environ["KETEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "keten.conf.dev"
    # The coordinator's session is a finished login here: the second factor is not measured.
    os.environ["KETEN_TOTP_REQUIRED"] = "nobody"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from keten.chains.actions import save_chain_spec
    from keten.chains.definition import load_chain_definition
    from keten.chains.models import Membership

    if generated:
        import ingest_xes

        chain = save_chain_spec(load_chain_definition(ingest_xes.WERK))
        partner_code = "gemeente"
    else:
        definition = real_logs.chain_definition(log, real_logs.activity_names(path))
        chain = save_chain_spec(load_chain_definition(definition))
        partner_code = real_logs.PARTNER
    user = get_user_model().objects.create_user("coordinator", password="x")
    Membership.objects.create(user=user, chain=chain, role="coordinator")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    before = _peak_mb()
    started = time.perf_counter()
    partner = chain.partners.get(code=partner_code)
    with open(path, "rb") as handle:
        response = client.post(
            reverse("events-deliveries", args=[chain.slug]), {"partner": partner.pk, "file": handle}
        )
    seconds = time.perf_counter() - started
    stored = chain.batches.values_list("rows_stored", flat=True).first()
    if not stored:
        raise SystemExit(f"{path.name}: nothing was stored (HTTP {response.status_code}): not a measurement")
    print(
        json.dumps(
            {
                "log": path.name,
                "mb": path.stat().st_size / 1e6,
                "status": response.status_code,
                "stored": stored,
                "seconds": seconds,
                "rss_before_mb": before,
                "rss_peak_mb": _peak_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--logs",
        nargs="*",
        default=["helpdesk.xes.gz", "BPIC15_1.xes.gz", "receipt.xes", "generated:300000"],
        help="files in ../shared/data, or generated:N for a generated gzipped log of N events",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'log':<20} {'MB':>6} {'events':>8} {'s':>6} {'RSS before':>11} {'RSS peak':>9}")
    for log in args.logs:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, __file__, "--child", log, tmp],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
            if out.returncode:
                print(out.stderr[-3000:])
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['log']:<20} {r['mb']:>6.1f} {r['stored'] or 0:>8} {r['seconds']:>6.1f} "
                f"{r['rss_before_mb']:>8.0f} MB {r['rss_peak_mb']:>6.0f} MB"
            )


if __name__ == "__main__":
    main()
