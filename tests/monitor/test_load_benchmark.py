"""benchmarks/load.py logs in as it documents and measures a live server: a short run of a few
clients against the monitored chain has no errors and prints its table. (The ten-minute soak
of 20 clients is run by hand and its figures go into docs/performance.md.)"""

import importlib.util
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOAD = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"


def load_module():
    spec = importlib.util.spec_from_file_location("load_benchmark", LOAD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_run_logs_in_as_every_role_and_has_no_errors(live_server, monitored, settings, capsys):
    settings.KETEN_TOTP_REQUIRED = "nobody"  # as the benchmark tells the server to run
    load = load_module()
    load.PASSWORD = monitored.password
    code = load.run(
        live_server.url,
        monitored.chain.slug,
        "a",
        clients=3,
        seconds=2,
        p95_ms=1e9,  # a test measures nothing; the benchmark's goal is in the benchmark
        users=["regisseur", "analist_a", "stuurgroep"],
        warm_rounds=1,
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| ALL" in out and "errors 0" in out


def test_a_server_that_asks_a_second_factor_gets_a_clear_message(live_server, monitored):
    load = load_module()
    load.PASSWORD = monitored.password
    with pytest.raises(SystemExit, match="KETEN_TOTP_REQUIRED=nobody"):
        load.session(live_server.url, "regisseur")
