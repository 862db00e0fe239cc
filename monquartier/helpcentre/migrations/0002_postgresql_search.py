"""PostgreSQL full-text search for the help centre (nothing on SQLite).

Two text search configurations, helpcentre_fr and helpcentre_en: copies of french and
english that also drop accents (the unaccent dictionary) when the extension can be
created, so that « referent » finds « référent ». unaccent() itself is not immutable, so
it cannot sit in an index expression; inside a configuration it can. A trigger keeps
the two vectors of every question (question weighted A, answer B; the English ones fall
back on the French text while empty), and a GIN index on each makes the search an index
scan whatever the number of questions.
"""

from django.db import migrations, transaction

FUNCTION = """
CREATE OR REPLACE FUNCTION helpcentre_question_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_fr :=
        setweight(to_tsvector('helpcentre_fr', coalesce(NEW.question, '')), 'A')
        || setweight(to_tsvector('helpcentre_fr', coalesce(NEW.answer, '')), 'B');
    NEW.search_en :=
        setweight(to_tsvector('helpcentre_en', coalesce(nullif(NEW.question_en, ''), NEW.question, '')), 'A')
        || setweight(to_tsvector('helpcentre_en', coalesce(nullif(NEW.answer_en, ''), NEW.answer, '')), 'B');
    RETURN NEW;
END
$$;
"""
TRIGGER = """
CREATE TRIGGER helpcentre_question_search
BEFORE INSERT OR UPDATE OF question, question_en, answer, answer_en ON helpcentre_question
FOR EACH ROW EXECUTE FUNCTION helpcentre_question_search();
"""
INDEXES = [
    "CREATE INDEX helpcentre_question_search_fr ON helpcentre_question USING gin (search_fr);",
    "CREATE INDEX helpcentre_question_search_en ON helpcentre_question USING gin (search_en);",
]
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            # unaccent is a trusted extension: a database owner may create it. Where it
            # is refused, the search still works, accents then count.
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
            has_unaccent = True
        except Exception:  # noqa: BLE001 - any refusal leaves the plain configurations
            has_unaccent = False
        for name, source, stemmer in (
            ("helpcentre_fr", "pg_catalog.french", "french_stem"),
            ("helpcentre_en", "pg_catalog.english", "english_stem"),
        ):
            cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {source})")
            if has_unaccent:
                cursor.execute(
                    f"ALTER TEXT SEARCH CONFIGURATION {name} "
                    f"ALTER MAPPING FOR {WORD_TOKENS} WITH unaccent, {stemmer}"
                )
        cursor.execute(FUNCTION)
        cursor.execute(TRIGGER)
        for index in INDEXES:
            cursor.execute(index)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS helpcentre_question_search ON helpcentre_question")
        cursor.execute("DROP FUNCTION IF EXISTS helpcentre_question_search()")
        cursor.execute("DROP INDEX IF EXISTS helpcentre_question_search_fr")
        cursor.execute("DROP INDEX IF EXISTS helpcentre_question_search_en")
        cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS helpcentre_fr")
        cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS helpcentre_en")


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
