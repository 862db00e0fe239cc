from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "monquartier.core"
    label = "core"
