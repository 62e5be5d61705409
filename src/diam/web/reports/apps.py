from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "diam.web.reports"
    label = "reports"
    verbose_name = "Gap reports"
