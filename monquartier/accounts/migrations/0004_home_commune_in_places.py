import django.db.models.deletion
from django.db import migrations, models

# Communes moved to places with their table unchanged: the foreign key changes in
# Django's state only.


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_french_field_labels"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="home",
                    name="commune",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="homes", to="places.commune", verbose_name="commune"),
                ),
            ],
        ),
    ]
