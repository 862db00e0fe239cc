from django.db import migrations, models

# Communes were a model of communities (migrations 0001 and 0002 there made and filled
# the table). Only Django's state moves here, with the content type that admin
# permissions point to: the table and its rows stay as they are.


def move_content_type(old_label: str, new_label: str):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(
            schema_editor.connection.alias
        )
        if not content_types.filter(app_label=new_label, model="commune").exists():
            content_types.filter(app_label=old_label, model="commune").update(
                app_label=new_label
            )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("communities", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Commune",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=80, verbose_name="nom")),
                        ("slug", models.SlugField(max_length=80, unique=True, verbose_name="identifiant")),
                        ("district", models.CharField(max_length=80, verbose_name="district")),
                        ("region", models.CharField(max_length=80, verbose_name="région")),
                        ("latitude", models.FloatField(verbose_name="latitude du centre")),
                        ("longitude", models.FloatField(verbose_name="longitude du centre")),
                    ],
                    options={
                        "verbose_name": "commune",
                        "verbose_name_plural": "communes",
                        "db_table": "communities_commune",
                        "ordering": ["name"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("latitude__gte", -90), ("latitude__lte", 90), ("longitude__gte", -180), ("longitude__lte", 180)), name="commune_centre_on_earth")],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            move_content_type("communities", "places"), move_content_type("places", "communities")
        ),
    ]
