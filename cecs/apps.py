from django.apps import AppConfig


class CecsConfig(AppConfig):
    name = "cecs"
