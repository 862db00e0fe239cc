import django.db.models.deletion
from django.db import migrations, models

# Communes moved to places (places/0001_initial), their table unchanged: here the
# community's foreign key follows them and communities stops owning the model, in
# Django's state only. After the other apps' keys have followed, so that none is left
# pointing at a model that is gone.


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_home_commune_in_places"),
        ("communities", "0007_french_field_labels"),
        ("places", "0001_initial"),
        ("townhalls", "0002_contact_commune_in_places"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="community",
                    name="commune",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="communities", to="places.commune", verbose_name="commune"),
                ),
                migrations.DeleteModel(name="Commune"),
            ],
        ),
    ]
