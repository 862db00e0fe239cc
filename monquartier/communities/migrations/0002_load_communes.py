from django.db import migrations

# The communes were loaded here until they moved to places, whose 0002_load_communes loads
# them now. The step stays, empty: the migrations after it depend on it, and databases
# have it recorded.


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = []
