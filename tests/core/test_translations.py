"""Every French string of the sources has its English translation.

The strings are extracted the way `make makemessages` does (Django's makemessages, GNU
gettext underneath), into a temporary copy of the tree made of links, so the repository's
catalogues are only read.
"""

from pathlib import Path

import polib
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.management import call_command
from django.urls import reverse
from django.utils.functional import Promise

from tests import factories

# What `make makemessages` leaves out (see the Makefile); locale/ is the catalogues.
NOT_SOURCES = {".git", ".venv", "bench", "locale", "staticfiles", "tests"}


def _extracted_catalogue(tmp_path: Path, monkeypatch, settings) -> polib.POFile:
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in NOT_SOURCES:
            (tree / entry.name).symlink_to(entry)
    monkeypatch.chdir(tree)
    settings.LOCALE_PATHS = [tree / "locale"]
    call_command("makemessages", locale=["en"], no_location=True, symlinks=True, verbosity=0)
    return polib.pofile(str(tree / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def _is_translated(entry: polib.POEntry | None) -> bool:
    if entry is None or "fuzzy" in entry.flags or entry.obsolete:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def test_every_french_string_has_an_english_translation(tmp_path, monkeypatch, settings):
    english = polib.pofile(str(Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"))
    sources = _extracted_catalogue(tmp_path, monkeypatch, settings)

    missing = [
        entry
        for entry in sources
        if not _is_translated(english.find(entry.msgid, msgctxt=entry.msgctxt))
    ]

    assert len(sources) > 500  # the extraction did find the sources
    assert not missing, (
        f"{len(missing)} string(s) without an English translation in locale/en "
        "(run `make makemessages`, then fill their msgstr and remove any fuzzy flag):\n"
        + "\n".join(
            f"  {entry.msgid!r}" + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
            for entry in missing
        )
    )


def _our_admins():
    for model, model_admin in admin.site._registry.items():
        if model.__module__.startswith("monquartier."):
            yield model, model_admin


def _untranslated_admin_labels() -> list[str]:
    """Labels the admin shows in its lists and forms that gettext never sees."""
    untranslated = []
    for model, model_admin in _our_admins():
        for shown in [model, *(inline.model for inline in model_admin.inlines)]:
            for name in ("verbose_name", "verbose_name_plural"):
                if not isinstance(shown._meta.original_attrs.get(name), Promise):
                    untranslated.append(f"{shown.__name__}.Meta.{name}")
            untranslated += [
                f"{shown.__name__}.{field.name}"
                for field in shown._meta.get_fields()
                if not field.auto_created and not isinstance(field.verbose_name, Promise)
            ]
        for column in model_admin.list_display:
            header = label_for_field(column, model, model_admin)
            # The id ("ID") and __str__ (the model's name) read the same in both languages.
            if column not in ("__str__", "id") and not isinstance(header, Promise):
                untranslated.append(f"{type(model_admin).__name__}.list_display {column!r}")
        untranslated += [
            f"{type(model_admin).__name__} action {name!r}"
            for _function, name, description in model_admin._get_base_actions()
            if not isinstance(description, Promise)
        ]
    return untranslated


def test_the_admin_labels_everything_it_shows_through_gettext():
    assert _untranslated_admin_labels() == []


def test_the_french_admin_has_french_column_headers(client, riviera):
    staff = factories.make_user("Mariam", "Bamba", is_staff=True, is_superuser=True)
    factories.log_in(client, staff)
    page = client.get(
        reverse("admin:communities_movement_changelist"), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert "Autre communauté" in page
    assert "Other community" not in page
