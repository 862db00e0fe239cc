from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "monquartier.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from monquartier.accounts import jobs, my_data, pagecache, signals  # noqa: F401

        jobs.register()
        my_data.register()
        pagecache.connect()
