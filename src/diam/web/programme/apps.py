from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "diam.web.programme"
    label = "programme"
    verbose_name = "Programme console"
