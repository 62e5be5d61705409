from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "diam.web.security"
    label = "security"
    verbose_name = "Sign-in protection and two-factor"

    def ready(self) -> None:
        from diam.web.security import (  # noqa: F401 - connect the sign-in audit signals
            checks,  # and register the system checks
            signin,
        )
