"""Memory depends on the chunk size, not on the number of events: peak RSS is measured, not time."""

import json
import subprocess
import sys

import pytest

from tests.demo.conftest import END

MEASURE = r"""
import datetime as dt, json, re, sys
from keten.chains.definition import load_chain_definition, reference_chain_files
from keten.demo.generator import generate_events
spec = [load_chain_definition(p) for p in reference_chain_files() if p.stem == "werk"][0]
summary = generate_events(
    spec, cases=int(sys.argv[1]), seed=1, out_dir=sys.argv[2], end=dt.date.fromisoformat(sys.argv[3]),
    chunk_cases=20_000,
)
# VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the (large) pytest parent.
peak_mb = int(re.search(r"VmHWM:\s+(\d+) kB", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"events": summary.events, "peak_mb": peak_mb}))
"""


def _peak(cases: int, out) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(cases), str(out), END.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_ten_times_more_events_take_about_the_same_memory(tmp_path):
    small = _peak(43_000, tmp_path / "small")  # about 300,000 events
    large = _peak(430_000, tmp_path / "large")  # about 3,000,000 events
    assert large["events"] > 2_800_000
    assert large["events"] > 9 * small["events"]
    assert large["peak_mb"] < 500
    # Linear growth would add hundreds of megabytes; chunking keeps it to noise.
    assert large["peak_mb"] < small["peak_mb"] + 60, (small, large)
