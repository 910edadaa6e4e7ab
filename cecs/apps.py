from django.apps import AppConfig


class CecsConfig(AppConfig):
    name = "cecs"
    verbose_name = "CECs"
