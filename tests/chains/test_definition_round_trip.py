"""A chain definition survives dump -> load, and import -> export -> import, without loss."""

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings

from keten.chains.actions import save_chain_spec
from keten.chains.definition import (
    dump_chain_definition,
    load_chain_definition,
    reference_chain_files,
)
from keten.chains.models import Chain, KpiDefinition

from .conftest import as_stored
from .strategies import chain_specs


@given(chain_specs())
@settings(max_examples=100, deadline=None)
def test_loading_a_dumped_spec_gives_the_same_spec(spec):
    text = dump_chain_definition(spec)
    assert load_chain_definition(text) == spec


@given(chain_specs())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
@pytest.mark.slow
def test_a_saved_spec_reads_back_from_the_database_unchanged(spec):
    # Examples share one database, so a slug drawn twice also exercises an update in place.
    chain = save_chain_spec(spec)
    assert Chain.objects.get(pk=chain.pk).to_spec() == as_stored(spec)


@given(chain_specs())
@settings(max_examples=50, deadline=None)
@pytest.mark.slow
def test_dumping_is_stable(spec):
    text = dump_chain_definition(spec)
    assert dump_chain_definition(load_chain_definition(text)) == text


@pytest.mark.parametrize("path", reference_chain_files(), ids=lambda p: p.stem)
def test_a_reference_chain_survives_dump_and_load(path):
    spec = load_chain_definition(path)
    assert load_chain_definition(dump_chain_definition(spec)) == spec


def database_state(slug: str) -> dict:
    """Everything the import writes for one chain, primary keys included."""
    chain = Chain.objects.get(slug=slug)
    return {
        "spec": chain.to_spec(),
        "partners": list(chain.partners.values_list("pk", "code", "position")),
        "agreements": list(chain.agreements.values_list("pk", "code")),
        "objectives": list(chain.objectives.values_list("pk", "code", "position")),
        "kpis": list(
            KpiDefinition.objects.filter(objective__chain=chain)
            .order_by("pk")
            .values_list("pk", "code", "objective_id", "position")
        ),
        "stages": list(chain.stages.values_list("code", "position", "partner__code")),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", reference_chain_files(), ids=lambda p: p.stem)
def test_import_export_import_leaves_the_database_as_it_was(path, tmp_path):
    call_command("chain", "import", str(path))
    before = database_state(path.stem)
    exported = tmp_path / "export.yaml"
    call_command("chain", "export", path.stem, "--out", str(exported))
    call_command("chain", "import", str(exported))
    assert database_state(path.stem) == before
    assert before["spec"] == as_stored(load_chain_definition(path))
