"""One rule per dataset for what a small cell hides (`keten.figures.disclosure`), read by the
monitor's pages, CSV and API and by the report alike."""

import re
from pathlib import Path

import pandas as pd

from keten.figures.disclosure import DATASETS, disclose
from keten.figures.suppression import PROTECTING, SUPPRESSED

SOURCE = Path(__file__).resolve().parents[2] / "src" / "keten"


def test_nothing_outside_the_figures_hides_cells_its_own_way():
    """The report once hid fewer columns than the page, and cases per partner by another rule."""
    rule = re.compile(
        r"\b(hide_small_rows|hide_small_counts|hide_period_rows|hide_stage_flow|fold_small_rows)\("
    )
    found = [
        f"{file.relative_to(SOURCE)}:{n}"
        for file in SOURCE.rglob("*.py")
        if "figures" not in file.parts
        for n, line in enumerate(file.read_text().splitlines(), 1)
        if rule.search(line)
    ]
    assert found == []


def test_a_partner_with_few_cases_shows_neither_its_cases_nor_its_events():
    frame = pd.DataFrame({"partner": ["a", "b"], "cases": [4, 40], "events": [31, 200]})
    seen = disclose("cases_per_partner", frame, 10, suppress=True)
    assert seen[SUPPRESSED].tolist() == [True, False]
    assert seen["cases"].isna().tolist() == [True, False]
    assert seen["events"].isna().tolist() == [True, False]


def test_a_norm_period_on_few_cases_hides_its_verdict_too_and_its_twin_covers_it():
    frame = pd.DataFrame(
        {
            "agreement": ["n"] * 4,
            "period": ["2026-08", "2026-09", "2026-10", "all"],
            "cases": [4, 30, 20, 54],
            "within": [4, 24, 20, 48],
            "share": [1.0, 0.8, 1.0, 48 / 54],
            "meets": [True, False, True, False],
            "mature": [True, True, True, True],
        }
    )
    seen = disclose("norm_compliance", frame, 10, suppress=True)
    august = seen.iloc[0]
    assert august[SUPPRESSED] and pd.isna(august["meets"]) and pd.isna(august["within"])
    # 54 - 30 - 20 would give August back: one more cell is hidden to protect it.
    assert seen[SUPPRESSED].sum() == 2 and (seen[PROTECTING] != "").sum() == 1


def test_without_suppression_every_cell_is_shown_and_marked_so():
    for name in DATASETS:
        frame = pd.DataFrame({"period": ["2026-09"], "cases": [3], "cases_visiting": [3], "variant": ["a"]})
        seen = disclose(name, frame, 10, suppress=False)
        assert seen[SUPPRESSED].tolist() == [False], name
        assert seen["cases"].tolist() == [3], name
