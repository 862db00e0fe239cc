from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GazetteConfig(AppConfig):
    name = "monquartier.gazette"
    label = "gazette"
    verbose_name = _("Gazette")
