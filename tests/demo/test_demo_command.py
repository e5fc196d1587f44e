"""`keten demo` end to end in a subprocess, and `keten demo generate` in process."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from keten.chains.actions import save_chain_spec
from keten.demo.actions import DEMO_PASSWORD
from tests.demo.conftest import END


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keten(*args: str, data_dir, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETEN_")}
    # The test process runs with the ci settings (an in-memory database); the demo uses its data dir.
    env |= {"DJANGO_SETTINGS_MODULE": "keten.conf.dev", "KETEN_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "keten.cli", *args], env=env, text=True, **kwargs)


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "keten demo stopped before serving"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _log_in(base: str, username: str) -> str:
    """Log in through the login form (CSRF token and cookie included); return the home page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(base + "login/").read().decode()
    assert 'name="username"' in form and 'name="password"' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    ).encode()
    with opener.open(urllib.request.Request(base + "login/", data=data, headers={"Referer": base})) as r:
        assert r.url.rstrip("/") == base.rstrip("/"), "the login did not lead to the home page"
        return r.read().decode()


@pytest.mark.slow
def test_keten_demo_sets_up_serves_stops_and_reuses_on_a_second_run(tmp_path):
    data_dir = tmp_path / "data"
    port = _free_port()
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        demo = _keten(
            "demo",
            "--port",
            str(port),
            "--events",
            "20000",
            data_dir=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}/"
            _wait_for(base + "login/", demo)
            home = _log_in(base, "regisseur")
            assert "Keten Werk en Inkomen" in home
            assert "Strafrechtketen Regio Midden" in home
            # Static files come from the app itself.
            with urllib.request.urlopen(base + "static/keten/keten.css") as css:  # noqa: S310
                assert css.status == 200
            steering_home = _log_in(base, "werk-stuurgroep")
            assert "Keten Werk en Inkomen" in steering_home
            assert "Strafrechtketen Regio Midden" not in steering_home
        finally:
            demo.send_signal(signal.SIGINT)  # as Ctrl-C
            code = demo.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert "Stopped." in output
    assert "regisseur" in output and DEMO_PASSWORD in output and f"http://127.0.0.1:{port}/" in output
    assert (data_dir / "keten.sqlite3").is_file()
    assert list((data_dir / "events").glob("chain=*/batch=*.parquet"))
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # the web server is gone too

    again = _keten(
        "demo",
        "--no-serve",
        "--events",
        "20000",
        data_dir=data_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    second, _ = again.communicate(timeout=180)
    assert again.returncode == 0, second
    assert "Reusing chain werk" in second and "Reusing chain strafrecht" in second
    assert "Reusing 7 demo users" in second
    assert "Generating" not in second


@pytest.mark.django_db
def test_keten_demo_generate_writes_a_chain_definition_files_events(tmp_path, capsys):
    call_command(
        "demo", "generate", "src/keten/demo/chains/werk.yaml", "--cases", "300", "--seed", "4",
        "--out", str(tmp_path), "--end", END.isoformat(),
    )  # fmt: skip
    table = pq.read_table(tmp_path / "werk.parquet")
    assert len(set(table["case_id"].to_pylist())) == 300
    assert f"to {tmp_path / 'werk.parquet'}" in capsys.readouterr().out


@pytest.mark.django_db
def test_keten_demo_generate_takes_an_imported_chain_by_slug(small_spec, tmp_path):
    save_chain_spec(small_spec)
    call_command(
        "demo", "generate", "klein", "--cases", "50", "--out", str(tmp_path), "--end", END.isoformat()
    )
    assert set(pq.read_table(tmp_path / "klein.parquet")["activity"].to_pylist()) <= set(
        small_spec.activities
    )


@pytest.mark.django_db
def test_keten_demo_generate_names_an_unknown_chain(tmp_path):
    with pytest.raises(CommandError, match="No chain 'onbekend'"):
        call_command("demo", "generate", "onbekend", "--cases", "5", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_keten_demo_generate_lists_the_problems_of_a_bad_definition_file(tmp_path):
    bad = tmp_path / "kapot.yaml"
    bad.write_text("format: keten-chain/1\nslug: kapot\n")
    with pytest.raises(CommandError, match="kapot.yaml"):
        call_command("demo", "generate", str(bad), "--cases", "5", "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
