from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """The public transparency report (guarantee 10): daily aggregates of enforcement and
    appeals, kept by beat, read by the report page, its downloads and the public API.

    It reads the appeals and enforcement floors and sits above them, next to api/ and demo/.
    """

    name = "transparency"
    verbose_name = "Transparency report"
