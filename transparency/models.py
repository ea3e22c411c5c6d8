from __future__ import annotations

from django.db import models
from django.db.models import Q


class DailyFigure(models.Model):
    """One number of one day: `metric` (what is counted) for `key` (the rule, reason code,
    queue, … it is counted for; empty for a total).

    Rows are derived data: a day's rows are deleted and rebuilt together whenever anything that
    day changed, so recomputing a day twice changes nothing. Time metrics (`time.*`) also carry
    the number of cases within the SLA target and a histogram of whole hours (`{"5": 3}`: three
    cases took more than 4 and at most 5 hours; beyond 48 hours, whole days: `{"72": 2}`), so
    medians and p90 over any period need only these rows, never the cases themselves.
    """

    day = models.DateField()
    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField()
    within_target = models.PositiveIntegerField(default=0)
    hours = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["day", "metric", "key"]
        constraints = [
            models.UniqueConstraint(fields=["day", "metric", "key"], name="daily_figure_unique"),
            models.CheckConstraint(
                condition=Q(within_target__lte=models.F("count")),
                name="daily_figure_within_target_le_count",
            ),
        ]
        # The report sums a period's rows per metric and key: the unique index (day first)
        # serves the range scan.

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.key or '(total)'} = {self.count}"


class AggregationState(models.Model):
    """The single row recording up to when changes have been folded into the daily figures.

    The beat task locks it (`select_for_update`), so two refreshes never interleave.
    """

    singleton = models.BooleanField(default=True, unique=True)
    changes_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # A new random value whenever any day's figures are rebuilt: the report's cache key, so a
    # cached period is never served after its figures changed (and tests, whose databases roll
    # back but share the cache, never meet each other's entries).
    figures_version = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="aggregation_state_single")
        ]

    def __str__(self) -> str:
        return f"Transparency figures up to {self.changes_until}"
