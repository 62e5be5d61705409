from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "diam.web.verification"
    label = "verification"
    verbose_name = "Organisation verification"
