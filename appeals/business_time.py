"""Business-time arithmetic for SLA clocks: pure functions over a weekly calendar.

A calendar says, in one IANA time zone, which local wall-clock intervals of each weekday are
working time, and which local dates are holidays. The definition every function here follows
(and that the property tests check against a minute-by-minute walk) is:

    an instant counts as working time when, converted to the calendar's time zone, its local
    date is not a holiday and its local (weekday, wall-clock time) lies in one of that
    weekday's intervals [start, end).

So daylight-saving needs no special rule: in the spring-forward gap the skipped wall-clock times
never occur, so nothing is counted for them; in the fall-back overlap the repeated wall-clock
times occur twice, and both occurrences count when they are inside working hours. An interval
that straddles a transition therefore lasts an hour less (or more) in real time that day.

Resolution: exact to the microsecond (the resolution of `datetime`). Inputs need not be
minute-aligned; all arithmetic is on integer microseconds, so there is no rounding anywhere.
Results are timezone-aware datetimes in UTC.

How it stays fast: the UTC timeline is cut where the zone's UTC offset changes. Within one
stretch of constant offset the wall clock is the UTC clock shifted by that offset, so the
working time up to any instant is a closed formula over the weekly pattern (whole weeks times
the weekly total, plus a partial week, minus the holidays before it, found by bisection). A
deadline is found by bisecting over days inside a stretch. The cost is independent of the
duration apart from the number of offset changes crossed (two a year in DST zones).

Offset changes are found by sampling the offset once a day and bisecting to the microsecond
where it differs, cached per zone and year. That relies on no zone changing its offset twice
within 24 hours; none does in the tz database (the closest pair of changes since 1970 is
167 hours apart, and no pair in any year is within 48 hours).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ONE_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_DAY = 86_400_000_000
# Day 0 of the internal day count. 0001-01-01 is a Monday, so day n has weekday n % 7.
_EPOCH = datetime(1, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _time_of_day_microseconds(moment: time) -> int:
    seconds = (moment.hour * 60 + moment.minute) * 60 + moment.second
    return seconds * 1_000_000 + moment.microsecond


@dataclass(frozen=True)
class WorkingHours:
    """One working interval on a weekday, in local wall-clock time: [start, end).

    `end=time(0)` means midnight at the end of the day (24:00), so `time(0)`-`time(0)` is the
    whole day. Otherwise `end` must be after `start`: an overnight shift is two intervals, one
    on each weekday.
    """

    weekday: int  # 0 = Monday … 6 = Sunday
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday!r}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times: use naive times")
        if self.end != time(0) and self.end <= self.start:
            raise ValueError(
                f"working hours must end after they start ({self.start}-{self.end}); "
                "split an overnight shift into two intervals, and use time(0) as the end for 24:00"
            )

    def start_microseconds(self) -> int:
        return _time_of_day_microseconds(self.start)

    def end_microseconds(self) -> int:
        if self.end == time(0):
            return _MICROSECONDS_PER_DAY
        return _time_of_day_microseconds(self.end)


@dataclass(frozen=True)
class _WeekPlan:
    """The calendar reduced to integers for fast arithmetic (all values in microseconds)."""

    zone: ZoneInfo
    intervals_by_weekday: tuple[tuple[tuple[int, int], ...], ...]
    weekday_totals: tuple[int, ...]
    # week_prefix[d] is the working time of Monday .. weekday d-1 (so week_prefix[7] is the week).
    week_prefix: tuple[int, ...]
    week_total: int
    whole_days: bool  # every weekday is worked from 00:00 to 24:00
    holiday_days: tuple[int, ...]  # sorted day numbers since _EPOCH
    # holiday_prefix[i] is the working time the first i holidays would have had.
    holiday_prefix: tuple[int, ...]

    def worked_before(self, wall: int) -> int:
        """Working time in the local wall-clock range [_EPOCH, wall), holidays excluded."""
        day, time_of_day = divmod(wall, _MICROSECONDS_PER_DAY)
        total = self._worked_before_day(day)
        holiday_index = bisect.bisect_left(self.holiday_days, day)
        is_holiday = (
            holiday_index < len(self.holiday_days) and self.holiday_days[holiday_index] == day
        )
        if not is_holiday:
            for start, end in self.intervals_by_weekday[day % 7]:
                if time_of_day <= start:
                    break
                total += min(time_of_day, end) - start
        return total

    def _worked_before_day(self, day: int) -> int:
        weeks, weekday = divmod(day, 7)
        holidays_before = bisect.bisect_left(self.holiday_days, day)
        return (
            weeks * self.week_total
            + self.week_prefix[weekday]
            - self.holiday_prefix[holidays_before]
        )

    def first_wall_time_reaching(self, target: int, first_day: int, last_day: int) -> int:
        """The earliest wall time w with worked_before(w) == target.

        Requires worked_before(start of first_day) < target <= worked_before(end of last_day).
        """
        low, high = first_day, last_day
        while low < high:
            middle = (low + high) // 2
            if self._worked_before_day(middle + 1) >= target:
                high = middle
            else:
                low = middle + 1
        needed = target - self._worked_before_day(low)
        for start, end in self.intervals_by_weekday[low % 7]:
            if needed <= end - start:
                return low * _MICROSECONDS_PER_DAY + start + needed
            needed -= end - start
        raise AssertionError("business time target not reached within its day")  # unreachable


@dataclass(frozen=True)
class Calendar:
    """Working time in one time zone: weekly wall-clock intervals and holiday dates.

    Several intervals a day are allowed (09:00-12:00 and 13:00-17:30); they must not overlap
    but may touch. Holidays are local dates with no working time at all.
    """

    time_zone: str  # IANA name, such as "Europe/London"
    hours: tuple[WorkingHours, ...]
    holidays: frozenset[date] = frozenset()
    _plan: _WeekPlan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept any iterables, so a calendar built from database rows stays hashable, and
        # sort them, so that equal calendars compare equal whatever the order of their rows.
        hours = sorted(self.hours, key=lambda interval: (interval.weekday, interval.start))
        object.__setattr__(self, "hours", tuple(hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error

        intervals: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for working_hours in self.hours:
            intervals[working_hours.weekday].append(
                (working_hours.start_microseconds(), working_hours.end_microseconds())
            )
        for weekday, day_intervals in enumerate(intervals):
            day_intervals.sort()
            for (_, previous_end), (next_start, _) in zip(
                day_intervals, day_intervals[1:], strict=False
            ):
                if next_start < previous_end:
                    raise ValueError(f"working hours overlap on weekday {weekday}")

        weekday_totals = tuple(sum(end - start for start, end in day) for day in intervals)
        week_prefix = [0]
        for total in weekday_totals:
            week_prefix.append(week_prefix[-1] + total)
        holiday_days = sorted(holiday.toordinal() - 1 for holiday in self.holidays)
        holiday_prefix = [0]
        for day in holiday_days:
            holiday_prefix.append(holiday_prefix[-1] + weekday_totals[day % 7])
        plan = _WeekPlan(
            zone=zone,
            intervals_by_weekday=tuple(tuple(day) for day in intervals),
            weekday_totals=weekday_totals,
            week_prefix=tuple(week_prefix),
            week_total=week_prefix[-1],
            whole_days=all(total == _MICROSECONDS_PER_DAY for total in weekday_totals),
            holiday_days=tuple(holiday_days),
            holiday_prefix=tuple(holiday_prefix),
        )
        object.__setattr__(self, "_plan", plan)

    @classmethod
    def always(cls, time_zone: str = "UTC") -> Calendar:
        """Every instant is working time: for policies in calendar time."""
        return cls(
            time_zone=time_zone,
            hours=tuple(WorkingHours(weekday, time(0), time(0)) for weekday in range(7)),
        )

    def is_24_7(self) -> bool:
        """True when every instant counts, whatever the time zone's daylight-saving rules."""
        return self._plan.whole_days and not self.holidays

    def has_working_time(self) -> bool:
        return self._plan.week_total > 0


# For policies in calendar time. (Use add_business_time with it rather than `start + duration`:
# Python adds a timedelta to a datetime aware in a ZoneInfo zone in wall-clock time, an hour
# off across a daylight-saving change.)
CALENDAR_TIME = Calendar.always(time_zone="UTC")


@dataclass(frozen=True)
class Pause:
    """A stretch during which a clock does not run; `end=None` means it is still paused."""

    start: datetime
    end: datetime | None

    def __post_init__(self) -> None:
        _require_aware(self.start, "pause start")
        if self.end is not None:
            _require_aware(self.end, "pause end")
            if self.end < self.start:
                raise ValueError("a pause cannot end before it starts")


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The earliest instant at which `duration` of working time has elapsed since `start`.

    A zero duration returns `start` itself (in UTC), even outside working hours.
    """
    start_utc = _to_utc(start, "start")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    if duration == _ZERO:
        return start_utc
    if calendar.is_24_7():
        return start_utc + duration
    plan = calendar._plan
    if not calendar.has_working_time():
        raise ValueError("the calendar has no working time, so no deadline can be reached")

    left = duration // _ONE_MICROSECOND
    for stretch_start, stretch_end, offset in _constant_offset_stretches(
        calendar, _utc_microseconds(start_utc)
    ):
        wall_start, wall_end = stretch_start + offset, stretch_end + offset
        worked_at_start = plan.worked_before(wall_start)
        available = plan.worked_before(wall_end) - worked_at_start
        if left <= available:
            wall_deadline = plan.first_wall_time_reaching(
                worked_at_start + left,
                wall_start // _MICROSECONDS_PER_DAY,
                wall_end // _MICROSECONDS_PER_DAY,
            )
            return _utc_datetime(wall_deadline - offset)
        left -= available
    raise AssertionError("offset stretches never run out")  # unreachable


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time in [start, end); zero when `end` is not after `start`."""
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    if end_utc <= start_utc:
        return _ZERO
    if calendar.is_24_7():
        return end_utc - start_utc
    return timedelta(
        microseconds=_worked_between(
            calendar, _utc_microseconds(start_utc), _utc_microseconds(end_utc)
        )
    )


def deadline_with_pauses(
    start: datetime, duration: timedelta, calendar: Calendar, pauses: Sequence[Pause]
) -> datetime | None:
    """Like `add_business_time`, but working time inside pauses does not count.

    Returns None while the clock is paused for good: when an open pause (`end=None`) begins
    before `duration` of unpaused working time has elapsed. A zero duration returns `start`.
    """
    start_utc = _to_utc(start, "start")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    if duration == _ZERO:
        return start_utc
    cursor, left = start_utc, duration
    for pause in _sorted_pauses(pauses):
        pause_start = pause.start.astimezone(UTC)
        if pause_start > cursor:
            available = business_time_between(cursor, pause_start, calendar)
            if left <= available:
                return add_business_time(cursor, left, calendar)
            left -= available
        if pause.end is None:
            return None
        cursor = max(cursor, pause.end.astimezone(UTC))
    return add_business_time(cursor, left, calendar)


def remaining(
    now: datetime,
    start: datetime,
    duration: timedelta,
    calendar: Calendar,
    pauses: Sequence[Pause],
) -> timedelta:
    """Working time left before the deadline at `now`: negative once overdue.

    Overdue time is measured in working time too, so a clock breached on Friday evening is
    still the same amount overdue on Monday morning.
    """
    return duration - worked_time(start, now, calendar, pauses)


def worked_time(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Pause]
) -> timedelta:
    """Working time in [start, end) outside every pause."""
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    total, cursor = _ZERO, start_utc
    for pause in _sorted_pauses(pauses):
        if cursor >= end_utc:
            break
        pause_start = pause.start.astimezone(UTC)
        total += business_time_between(cursor, min(pause_start, end_utc), calendar)
        if pause.end is None:
            return total
        cursor = max(cursor, pause.end.astimezone(UTC))
    return total + business_time_between(cursor, end_utc, calendar)


def _worked_between(calendar: Calendar, start: int, end: int) -> int:
    plan = calendar._plan
    total = 0
    for stretch_start, stretch_end, offset in _constant_offset_stretches(calendar, start):
        stop = min(stretch_end, end)
        total += plan.worked_before(stop + offset) - plan.worked_before(stretch_start + offset)
        if stop == end:
            return total
    raise AssertionError("offset stretches never run out")  # unreachable


def _constant_offset_stretches(calendar: Calendar, start: int) -> Iterator[tuple[int, int, int]]:
    """Consecutive UTC ranges [from, to) from `start` on, each with its single UTC offset.

    Endless: the caller stops. Values are microseconds since _EPOCH (UTC) and the offset in
    microseconds. Some boundaries are not offset changes (a fixed-offset zone gets one every
    year or two); that is harmless, the next range simply has the same offset.
    """
    cursor, offset = start, _offset_microseconds(calendar._plan.zone, start)
    while True:
        following, following_offset = _next_offset_change(calendar.time_zone, cursor, offset)
        yield cursor, following, offset
        cursor, offset = following, following_offset


def _next_offset_change(zone_key: str, instant: int, offset: int) -> tuple[int, int]:
    """The first offset change after `instant` and the offset from then on, or failing one
    within a year or two, a boundary at which `offset` simply continues."""
    year = date.fromordinal(instant // _MICROSECONDS_PER_DAY + 1).year
    for candidate_year in (year, year + 1):
        for change, new_offset in _offset_changes(zone_key, candidate_year):
            if change > instant:
                return change, new_offset
    return (date(year + 2, 1, 1).toordinal() - 1) * _MICROSECONDS_PER_DAY, offset


@lru_cache(maxsize=1024)
def _offset_changes(zone_key: str, year: int) -> tuple[tuple[int, int], ...]:
    """When the zone's UTC offset changes in (1 January `year`, 1 January `year + 1`] (UTC).

    Each change is (first microsecond with the new offset, new offset). Sampled daily (see the
    module docstring for why a day is fine-grained enough), then bisected to the microsecond.
    """
    zone = ZoneInfo(zone_key)
    # UTC readings labelled with the zone: the argument zone.fromutc expects. Arithmetic
    # between datetimes sharing a tzinfo is plain wall-clock arithmetic, as wanted here.
    previous = datetime(year, 1, 1, tzinfo=zone)
    previous_offset = zone.fromutc(previous).utcoffset()
    changes = []
    for _ in range((date(year + 1, 1, 1) - date(year, 1, 1)).days):
        sample = previous + _ONE_DAY
        offset = zone.fromutc(sample).utcoffset()
        if offset != previous_offset:
            same, different = previous, sample
            while different - same > _ONE_MICROSECOND:
                middle = same + (different - same) // 2
                if zone.fromutc(middle).utcoffset() == previous_offset:
                    same = middle
                else:
                    different = middle
            new_offset = zone.fromutc(different).utcoffset()
            assert new_offset is not None  # a ZoneInfo always has an offset
            changes.append(
                (_utc_microseconds(different.replace(tzinfo=UTC)), new_offset // _ONE_MICROSECOND)
            )
        previous, previous_offset = sample, offset
    return tuple(changes)


def _sorted_pauses(pauses: Sequence[Pause]) -> list[Pause]:
    return sorted(pauses, key=lambda pause: pause.start)


def _offset_microseconds(zone: ZoneInfo, instant: int) -> int:
    # zone.fromutc is the conversion astimezone performs, minus a detour several times slower.
    utc_reading = (_EPOCH + timedelta(microseconds=instant)).replace(tzinfo=zone)
    offset = zone.fromutc(utc_reading).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return offset // _ONE_MICROSECOND


def _utc_microseconds(moment: datetime) -> int:
    return (moment - _EPOCH_UTC) // _ONE_MICROSECOND


def _utc_datetime(instant: int) -> datetime:
    return _EPOCH_UTC + timedelta(microseconds=instant)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _to_utc(moment: datetime, name: str) -> datetime:
    _require_aware(moment, name)
    return moment.astimezone(UTC)
