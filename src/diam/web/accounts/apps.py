from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "diam.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"
