from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diam.web.audit"
    label = "audit"
    verbose_name = "Audit trail"
