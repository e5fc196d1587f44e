from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chains", "0002_agreement_position"),
    ]

    operations = [
        migrations.AddField(
            model_name="chain",
            name="repeated_events",
            field=models.CharField(
                choices=[("keep", "Keep them as separate events"), ("reject", "Reject the repeats")],
                default="keep",
                help_text=(
                    "Events of one delivery with the same partner, case, activity, moment and lifecycle: "
                    "kept as separate events, or rejected as rows with a problem."
                ),
                max_length=10,
                verbose_name="repeated events",
            ),
        ),
    ]
