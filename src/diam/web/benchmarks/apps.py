from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "diam.web.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"

    def ready(self) -> None:
        from diam.web.benchmarks import signals  # noqa: F401 - connects the receivers
