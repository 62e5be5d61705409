from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "diam.web.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from diam.web.core.converters import IdConverter

        # Before any URL configuration is imported: every app's urls.py uses <id:...>.
        register_converter(IdConverter, "id")
