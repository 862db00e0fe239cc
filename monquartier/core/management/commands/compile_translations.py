"""Compile the .po catalogues into .mo files without GNU gettext, so a fresh machine
needs nothing but the Python packages of the lock file.

Our source strings are French. The French catalogue only carries French plural rules
(0 is singular in French, plural in the gettext default): each of its strings is
compiled as its own translation, so nobody has to copy French into French by hand.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python)."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                if po_path.parent.parent.name == settings.LANGUAGE_CODE:
                    self._translate_to_itself(catalogue)
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"{po_path} → {mo_path} ({catalogue.percent_translated()} %)")
        self.stdout.write(f"{compiled} catalogue(s) compiled.")

    @staticmethod
    def _translate_to_itself(catalogue: polib.POFile) -> None:
        for entry in catalogue:
            if entry.msgid_plural:
                if not any(entry.msgstr_plural.values()):
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            elif not entry.msgstr:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
