"""Number every chain's deliveries and rewrite the batch files with the delivery position.

Events used to be identified by a hash of their content and ordered by it at equal moments;
they are now identified by content and occurrence and ordered by delivery position
(docs/event-format.md). Files are upgraded in place, one at a time (keten.events.upgrade).
"""

from django.conf import settings
from django.db import migrations, models


def number_deliveries_and_upgrade_files(apps, schema_editor):
    from pathlib import Path

    from keten.events.upgrade import upgrade_batch_file

    IngestBatch = apps.get_model("events", "IngestBatch")
    events_dir = Path(settings.KETEN_DATA_DIR) / "events"
    counters: dict[int, int] = {}
    for batch in IngestBatch.objects.select_related("chain").order_by("chain_id", "created_at", "id"):
        counters[batch.chain_id] = counters.get(batch.chain_id, 0) + 1
        batch.sequence = counters[batch.chain_id]
        batch.save(update_fields=["sequence"])
        if batch.rows_stored:
            path = events_dir / f"chain={batch.chain.slug}" / f"batch={batch.batch_id}.parquet"
            upgrade_batch_file(path, batch.sequence)


class Migration(migrations.Migration):
    dependencies = [
        ("chains", "0003_chain_repeated_events"),
        ("events", "0002_source_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="ingestbatch",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True, verbose_name="delivery number"),
        ),
        migrations.RunPython(number_deliveries_and_upgrade_files, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ingestbatch",
            name="sequence",
            field=models.PositiveBigIntegerField(verbose_name="delivery number"),
        ),
        migrations.AddConstraint(
            model_name="ingestbatch",
            constraint=models.UniqueConstraint(fields=("chain", "sequence"), name="events_batch_sequence_unique"),
        ),
    ]
