from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "diam.web.security"
    label = "security"
    verbose_name = "Sign-in protection and two-factor"

    def ready(self) -> None:
        from diam.web.security import signin  # noqa: F401 - connects the sign-in audit signals
