from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GazetteConfig(AppConfig):
    name = "monquartier.gazette"
    label = "gazette"
    verbose_name = _("Gazette")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: moderation learns here
        # how to reach this app's content (moderation/content.py) and notifications what
        # its events say (notifications/events.py).
        from monquartier.accounts import exports
        from monquartier.gazette import events, pagecache, reporting
        from monquartier.gazette import exports as my_data
        from monquartier.notifications.events import register

        reporting.register()
        register(events.texts)
        exports.register("gazette_posts", my_data.posts, files=my_data.attachment_files)
        pagecache.connect()
