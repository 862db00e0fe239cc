from django.apps import AppConfig
from django.urls import register_converter

from monquartier.core.parsing import IdConverter


class CoreConfig(AppConfig):
    name = "monquartier.core"
    label = "core"

    def ready(self) -> None:
        # Before any URLconf is read: every id in a URL is `<id:…>` (tests/core/test_urls.py).
        register_converter(IdConverter, "id")
        # Every model is loaded by now: get_<field>_display() stops rebuilding its choices.
        from monquartier.core.choices import speed_up_choice_displays

        speed_up_choice_displays()
