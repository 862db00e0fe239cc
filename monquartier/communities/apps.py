from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "monquartier.communities"
    label = "communities"
    verbose_name = _("Communautés")

    def ready(self):
        from monquartier.accounts import exports
        from monquartier.communities import events, jobs, pagecache, receivers, signals  # noqa: F401
        from monquartier.communities import exports as my_data
        from monquartier.notifications.events import register

        jobs.register()
        exports.register("memberships", my_data.memberships)
        register(events.texts)
        pagecache.connect()
