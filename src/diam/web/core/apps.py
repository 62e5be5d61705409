from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "diam.web.core"
    label = "core"
