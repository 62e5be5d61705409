from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "diam.web.exchange"
    label = "exchange"
    verbose_name = "Import and export"
