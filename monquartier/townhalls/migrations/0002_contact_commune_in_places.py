import django.db.models.deletion
from django.db import migrations, models

# Communes moved to places with their table unchanged: the foreign key changes in
# Django's state only.


class Migration(migrations.Migration):

    dependencies = [
        ("places", "0001_initial"),
        ("townhalls", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="townhallcontact",
                    name="commune",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="town_hall_contacts", to="places.commune", verbose_name="commune"),
                ),
            ],
        ),
    ]
