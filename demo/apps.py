from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`, the browser tests and the benchmarks (`seed_demo`).

    It sits above the domain apps and writes through their services; no domain app imports it.
    """

    name = "demo"
    verbose_name = "Demo data"
