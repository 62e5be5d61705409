from django.apps import AppConfig


class ValidationConfig(AppConfig):
    name = "diam.web.validation"
    label = "validation"
    verbose_name = "Validation and recognition"
