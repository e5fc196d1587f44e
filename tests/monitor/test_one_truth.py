"""One truth on every surface: for a closed month of the demo chains, each KPI value and
status, each norm share and each handover median is the same on the overview page, the API,
the CSV, `keten analyse --format json` and the month's report (HTML, and the PDF as
pdftotext reads it). Runs on whatever database the suite runs on (SQLite and PostgreSQL in
CI)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from keten import formatting
from keten.monitor.cache import forget_definitions

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END = dt.date(2025, 6, 1)
MONTH = "2025-04"  # closed: the demo's events run to the end of May
STATUS_EN = {"on_target": "On target", "at_risk": "At risk", "off_target": "Off target"}


@pytest.fixture
def demo(settings, tmp_path):
    from keten.demo.actions import set_up_demo

    settings.KETEN_DATA_DIR = tmp_path / "data"
    forget_definitions()
    setup = set_up_demo(events=24_000, end=END)
    yield setup
    forget_definitions()


def _analyse(slug: str) -> dict:
    out = io.StringIO()
    call_command("analyse", slug, "--as-of", MONTH, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def _csv(client, slug: str, dataset: str) -> list[dict]:
    url = reverse("monitor-csv", args=[slug, dataset])
    response = client.get(url, {"as_of": MONTH})
    assert response.status_code == 200, response.content[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True)  # noqa: S603, S607
    return re.sub(r"\s+", " ", done.stdout.decode())


def test_a_closed_month_reads_the_same_on_every_surface(demo, client, tmp_path):
    from keten.chains.models import Chain
    from keten.reports.actions import make_report
    from keten.reports.assemble import assemble_report

    for chain in demo.chains:
        chain = Chain.objects.get(pk=chain.pk)
        client.force_login(_user(f"{chain.slug}-stuurgroep"))
        cli = _analyse(chain.slug)

        # The API (steering view: small cells hidden, as in the steering report).
        api = client.get(reverse("api-kpis", args=[chain.slug]), {"as_of": MONTH}).json()
        api_norms = client.get(reverse("api-norms", args=[chain.slug]), {"as_of": MONTH}).json()["norms"]
        kpis = {k["code"]: k for k in api["kpis"]}
        cli_kpis = {k["code"]: k for k in cli["kpis"]}
        assert set(kpis) == set(cli_kpis) and kpis
        csv_kpis = {row["code"]: row for row in _csv(client, chain.slug, "kpis")}

        with translation.override("en"):
            overview = client.get(
                reverse("monitor-overview", args=[chain.slug]), {"as_of": MONTH}, HTTP_ACCEPT_LANGUAGE="en"
            )
            assert overview.status_code == 200
            page = overview.content.decode()
            report = assemble_report(chain, MONTH, edition="bestuurlijk", language="en")
            rendered = make_report(
                chain, MONTH, edition="bestuurlijk", language="en", formats=("pdf", "html")
            )
            pdf = _pdf_text(rendered.pdf, tmp_path)
            html = _text(rendered.html.decode() if isinstance(rendered.html, bytes) else rendered.html)
            report_kpis = {
                row[0]: row
                for t in report.section("ambition").tables
                if t.caption.startswith("KPIs")
                for row in t.rows
            }

            checked = 0
            for code, k in kpis.items():
                if k["status"] == "suppressed":
                    continue
                # The CLI computes without suppression: where the API shows a value, they agree.
                assert cli_kpis[code]["value"] == pytest.approx(k["value"]), code
                assert cli_kpis[code]["status"] == k["status"], code
                assert cli_kpis[code]["period"] == k["period"], code
                assert float(csv_kpis[code]["value"]) == pytest.approx(k["value"], abs=1e-6), code
                assert csv_kpis[code]["status"] == k["status"]
                if k["value"] is None:
                    continue
                shown = formatting.figure(k["value"], k["unit"], k["target"])
                tile = re.search(rf'data-kpi="{re.escape(code)}".*?</li>', page, re.S).group(0)
                tile_text = _text(tile)
                assert shown in tile_text, (code, shown, tile_text)
                assert STATUS_EN[k["status"]] in tile_text, (code, tile_text)
                # Partner-only KPIs carry "(partner-only)" after their name.
                [row] = [r for n, r in report_kpis.items() if n.removesuffix(" (partner-only)") == k["name"]]
                assert row[1] == shown and row[3] == STATUS_EN[k["status"]], (code, row, shown)
                assert shown in pdf and shown in html
                checked += 1
            assert checked, f"{chain.slug}: no KPI with a value as of {MONTH}"

            # Norm shares: the latest complete month per agreement, on API, CLI and report.
            norm_rows = report.section("norms").tables[0].rows
            for agreement in chain.agreements.all():
                mine = [r for r in api_norms if r["agreement"] == agreement.code and r["period"] != "all"]
                complete = [r for r in mine if r["mature"]]
                cli_rows = {
                    r["period"]: r for r in cli["norm_compliance"] if r["agreement"] == agreement.code
                }
                for r in mine:
                    if not r["suppressed"]:
                        assert cli_rows[r["period"]]["share"] == pytest.approx(r["share"], nan_ok=True)
                        assert cli_rows[r["period"]]["mature"] == r["mature"]
                if not complete or complete[-1]["suppressed"]:
                    continue
                latest = complete[-1]
                cell = formatting.share(latest["share"])
                [row] = [r for r in norm_rows if r[0] == agreement.name]
                assert cell in row[2] and formatting.month_label(latest["period"]) in row[2], row
                assert row[2] in pdf or cell in pdf

            # Handover medians: the whole selection on API and CLI, the month's own in the
            # report (its slowest handovers) and CLI.
            flow = client.get(reverse("api-flow", args=[chain.slug]), {"as_of": MONTH}).json()
            cli_pairs = {(r["from_partner"], r["to_partner"]): r for r in cli["handovers"]}
            shown_pairs = [r for r in flow["handovers"] if not r["suppressed"]]
            assert shown_pairs, chain.slug
            for r in shown_pairs:
                mine = cli_pairs[(r["from_partner"], r["to_partner"])]
                assert mine["median_days"] == pytest.approx(r["median_days"]), r
            names = {p.code: p.name for p in chain.partners.all()}
            month_pairs = [r for r in cli["handovers_by_period"] if r["period"] == f"{MONTH}-01"]
            texts = {
                f"{names[r['from_partner']]} → {names[r['to_partner']]}: median "
                f"{formatting.days(r['median_days'], unit=True)} ({formatting.count(r['cases'])} cases)"
                for r in month_pairs
            }
            bullets = report.section("flow").bullets
            assert bullets and set(bullets) <= texts, (bullets, texts)
            for bullet in bullets:
                assert bullet.split(": median ")[1].split(" (")[0] in pdf
        client.logout()


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
