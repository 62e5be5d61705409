from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "diam.web.api"
    label = "api"
    verbose_name = "JSON API"
