"""The web import in a real browser (Debian chromium): upload, plan, tick, confirm."""

from dataclasses import replace

import pytest

from keten.chains.definition import dump_chain_definition
from keten.chains.models import Chain
from keten.governance.models import Seat
from tests.conftest import log_in

from .test_import_plan import without_fin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_reads_the_plan_and_confirms_the_deletions(
    page, live_server, financed, small_spec, tmp_path, screenshot_dir
):
    path = tmp_path / "klein.yaml"
    path.write_text(
        dump_chain_definition(replace(without_fin(small_spec), description="Nieuw.")), encoding="utf-8"
    )
    log_in(page, live_server, "regisseur")
    page.goto(f"{live_server.url}/ketens/klein/definitie/")
    page.click("a[href='/ketens/klein/definitie/importeren/']")
    page.set_input_files("#id_file", str(path))
    page.click("form.import-upload button[type=submit]")
    page.wait_for_selector(".import-plan")
    assert "Financier" in page.inner_text(".import-plan")
    assert "seats: 1" in page.inner_text(".import-dependents").lower()
    page.screenshot(path=screenshot_dir / "chain-import-plan.png", full_page=True)

    # Without the checkbox nothing happens.
    page.click("form.import-confirm button[type=submit]")
    page.wait_for_selector(".import-refused")
    assert Seat.objects.filter(person="Voorzitter").exists()

    page.check("#id_allow_deletions")
    page.click("form.import-confirm button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ketens/klein/definitie/")
    assert not Seat.objects.filter(person="Voorzitter").exists()
    assert Chain.objects.get().description == "Nieuw."
