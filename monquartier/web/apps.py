from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "monquartier.web"
    label = "web"
