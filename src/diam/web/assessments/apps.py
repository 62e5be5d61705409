from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "diam.web.assessments"
    label = "assessments"
