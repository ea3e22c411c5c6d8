"""The business-time calculator against a deliberately simple minute-by-minute reference.

The reference walks UTC minutes one at a time, converts each to the calendar's local time and
counts it when the local date is not a holiday and the local (weekday, wall-clock time) falls
inside an interval. That is the definition in appeals/business_time.py, with no cleverness: the
fast implementation must agree with it exactly, across daylight-saving transitions.

All generated inputs are minute-aligned (as are the offsets and transitions of the zones used),
so a UTC minute is either wholly working time or not at all, and counting minutes is exact.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.business_time import (
    CALENDAR_TIME,
    Calendar,
    Pause,
    WorkingHours,
    add_business_time,
    business_time_between,
    deadline_with_pauses,
    remaining,
    worked_time,
)

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
    # Half-hour daylight saving, and transitions at local midnight.
    "Australia/Lord_Howe",
    "America/Santiago",
]
MINUTE = timedelta(minutes=1)
MINUTES_PER_DAY = 24 * 60
# Generated holidays and pauses fall within the first days after the clock starts.
EVENTFUL_DAYS = 4
EVENTFUL_MINUTES = EVENTFUL_DAYS * MINUTES_PER_DAY
# The reference never walks further than this. Durations are at most one week's worth of the
# calendar's working time, and holidays and closed pauses are over within about 5 days; after
# that come two weeks with neither, at most one of them with a daylight-saving change, so any
# deadline is reached by day 20 at the latest.
REFERENCE_WALK_MINUTES = 20 * MINUTES_PER_DAY

# The `settings` fixture and other function-scoped autouse fixtures run once per test, not per
# example; nothing here touches them.
REFERENCE_CASES = settings(
    max_examples=700,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PROPERTY_CASES = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

MONDAY_TO_FRIDAY_9_TO_5 = tuple(WorkingHours(weekday, time(9), time(17)) for weekday in range(5))


# --- the reference -------------------------------------------------------------------------


def wall_minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def reference_is_working(calendar: Calendar, start: datetime) -> Callable[[int], bool]:
    """Whether the index-th UTC minute from `start` is working time."""
    zone = ZoneInfo(calendar.time_zone)
    working_minutes_of_day: list[set[int]] = [set() for _ in range(7)]
    for hours in calendar.hours:
        end = MINUTES_PER_DAY if hours.end == time(0) else wall_minutes(hours.end)
        working_minutes_of_day[hours.weekday].update(range(wall_minutes(hours.start), end))
    # `zone.fromutc` is the UTC-to-local conversion that `astimezone` performs (without the
    # detour through UTC offsets that makes astimezone several times slower): it takes the UTC
    # reading labelled with the zone.
    utc_reading = start.astimezone(UTC).replace(tzinfo=zone)

    def is_working(index: int) -> bool:
        local = zone.fromutc(utc_reading + index * MINUTE)
        return (
            local.hour * 60 + local.minute in working_minutes_of_day[local.weekday()]
            and local.date() not in calendar.holidays
        )

    return is_working


def reference_deadline(
    start: datetime,
    minutes_needed: int,
    counts: Callable[[int], bool],
    walk_minutes: int = REFERENCE_WALK_MINUTES,
) -> datetime | None:
    """The end of the minute in which the needed working minutes are complete."""
    if minutes_needed == 0:
        return start
    elapsed = 0
    for index in range(walk_minutes):
        if counts(index):
            elapsed += 1
            if elapsed == minutes_needed:
                return start + (index + 1) * MINUTE
    return None


def working_minutes_to_stretch_end(is_working: Callable[[int], bool], stretches: int) -> int:
    """Working minutes from the start to the end of the given number of working stretches."""
    worked = 0
    for index in range(REFERENCE_WALK_MINUTES):
        if is_working(index):
            worked += 1
            if not is_working(index + 1):
                stretches -= 1
                if stretches == 0:
                    break
    return worked


def paused_minute_ranges(start: datetime, pauses: list[Pause]) -> list[tuple[int, int]]:
    """Each pause as minute numbers [first, last) from `start` (pauses are minute-aligned)."""
    return [
        (
            (pause.start - start) // MINUTE,
            REFERENCE_WALK_MINUTES if pause.end is None else (pause.end - start) // MINUTE,
        )
        for pause in pauses
    ]


# --- strategies ----------------------------------------------------------------------------


def minutes_to_time(minutes: int) -> time:
    return time(0) if minutes == MINUTES_PER_DAY else time(minutes // 60, minutes % 60)


# Strategies are built once, at module level: building them inside composite strategies, once
# per draw, made generation several times slower than the checks themselves.

# `st.integers` favours small values heavily; `sampled_from` a range draws evenly.
any_minute_of_day = st.sampled_from(range(MINUTES_PER_DAY + 1))
# Boundaries near midnight and the small hours, where transitions happen, are drawn often.
boundary_minutes = st.one_of(
    any_minute_of_day,
    st.sampled_from([0, 30, 60, 90, 120, 150, 180, 210, 1380, 1410, MINUTES_PER_DAY]),
)
day_boundaries = st.lists(boundary_minutes, min_size=2, max_size=6)
TYPICAL_DAYS = [
    [(9 * 60, 17 * 60)],
    [(9 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)],
    [(0, MINUTES_PER_DAY)],
    # The small hours, where the clocks change, worked in various ways.
    [(0, 4 * 60)],
    [(60, 150), (22 * 60, MINUTES_PER_DAY)],
    [(0, 90), (150, MINUTES_PER_DAY)],
]
working_weekdays = st.one_of(
    st.sets(st.integers(0, 6), min_size=1), st.just({0, 1, 2, 3, 4}), st.just(set(range(7)))
)
holiday_day_offsets = st.lists(st.integers(-1, EVENTFUL_DAYS), max_size=3)
# (minutes from the clock's start to the pause, its length in minutes), and whether the last
# one is still open.
pause_specs = st.tuples(
    st.lists(
        st.tuples(st.integers(-120, EVENTFUL_MINUTES), st.integers(0, MINUTES_PER_DAY)),
        max_size=3,
    ),
    st.booleans(),
)
# A share, in thousandths, of some amount of the calendar's working time.
duration_shares = st.sampled_from(range(1001))


def intervals_from(boundaries: list[int]) -> list[tuple[int, int]]:
    """Distinct boundaries in order, paired up: one to three intervals that never overlap."""
    distinct = sorted(set(boundaries))
    if len(distinct) == 1:
        only = distinct[0]
        distinct = [only, only + 1] if only < MINUTES_PER_DAY else [only - 1, only]
    return list(zip(distinct[0::2], distinct[1::2], strict=False))


day_intervals = st.one_of(day_boundaries.map(intervals_from), st.sampled_from(TYPICAL_DAYS))


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[WorkingHours, ...]:
    return tuple(
        WorkingHours(weekday, minutes_to_time(begin), minutes_to_time(end))
        for weekday in sorted(draw(working_weekdays))
        for begin, end in draw(day_intervals)
    )


def weekly_working_minutes(calendar: Calendar) -> int:
    return sum(
        (MINUTES_PER_DAY if hours.end == time(0) else wall_minutes(hours.end))
        - wall_minutes(hours.start)
        for hours in calendar.hours
    )


def share_of_three_weeks(calendar: Calendar, share: int) -> timedelta:
    """A duration up to three weeks' worth of the calendar's working time (a sparse calendar's
    weeks are short), so that deadlines stay within a few weeks."""
    return 3 * weekly_working_minutes(calendar) * share // 1000 * MINUTE


FIRST_START = datetime(2024, 1, 1, tzinfo=UTC)


@functools.cache
def offset_changes(zone_name: str) -> tuple[datetime, ...]:
    """When the zone's UTC offset changes in 2024-2028 (the first minute of each new offset)."""
    zone = ZoneInfo(zone_name)

    def offset(moment: datetime) -> timedelta | None:
        return moment.astimezone(zone).utcoffset()

    changes = []
    day = FIRST_START
    while day < datetime(2029, 1, 1, tzinfo=UTC):
        following = day + timedelta(days=1)
        if offset(following) != offset(day):
            # Minutes into the day: the offset at `before` is the day's, at `after` it is new.
            before, after = 0, MINUTES_PER_DAY
            while after - before > 1:
                middle = (before + after) // 2
                if offset(day + middle * MINUTE) == offset(day):
                    before = middle
                else:
                    after = middle
            changes.append(day + after * MINUTE)
        day = following
    return tuple(changes)


@functools.cache
def minute_aligned_starts(zone_name: str) -> st.SearchStrategy[datetime]:
    """Half the time within two days before (or hours after) a daylight-saving change."""
    anywhere = st.tuples(
        st.sampled_from(range(5 * 365)), st.sampled_from(range(MINUTES_PER_DAY))
    ).map(
        lambda day_and_minute: (
            FIRST_START + (day_and_minute[0] * MINUTES_PER_DAY + day_and_minute[1]) * MINUTE
        )
    )
    changes = offset_changes(zone_name)
    if not changes:
        return anywhere
    near_a_change = st.tuples(
        st.sampled_from(changes), st.integers(-2 * MINUTES_PER_DAY, 6 * 60)
    ).map(lambda change_and_minutes: change_and_minutes[0] + change_and_minutes[1] * MINUTE)
    return st.one_of(near_a_change, anywhere)


@dataclass(frozen=True)
class Scenario:
    calendar: Calendar
    start: datetime


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone_name = draw(st.sampled_from(ZONES))
    start = draw(minute_aligned_starts(zone_name))
    local_start_date = start.astimezone(ZoneInfo(zone_name)).date()
    holidays = frozenset(
        local_start_date + timedelta(days=day) for day in draw(holiday_day_offsets)
    )
    calendar = Calendar(time_zone=zone_name, hours=draw(weekly_hours()), holidays=holidays)
    return Scenario(calendar=calendar, start=start)


def pauses_from(start: datetime, specs: tuple[list[tuple[int, int]], bool]) -> list[Pause]:
    spans, last_is_open = specs
    pauses = [
        Pause(start=start + offset * MINUTE, end=start + (offset + length) * MINUTE)
        for offset, length in spans
    ]
    if pauses and last_is_open:
        # At most one pause is still open: the clock is paused right now.
        pauses[-1] = Pause(start=pauses[-1].start, end=None)
    return pauses


# --- the fast implementation equals the reference -------------------------------------------


@REFERENCE_CASES
@given(
    scenario=scenarios(),
    share=duration_shares,
    # Instead of the share: exactly the working time to the end of the n-th stretch of working
    # time, where a deadline lands on the close of an interval (and off-by-one mistakes hide).
    until_stretch_end=st.one_of(st.none(), st.integers(1, 4)),
)
def test_add_business_time_matches_the_minute_by_minute_reference(
    scenario: Scenario, share: int, until_stretch_end: int | None
) -> None:
    calendar, start = scenario.calendar, scenario.start
    is_working = functools.cache(reference_is_working(calendar, start))
    most = weekly_working_minutes(calendar)
    minutes_needed = most * share // 1000
    if until_stretch_end is not None:
        minutes_needed = min(most, working_minutes_to_stretch_end(is_working, until_stretch_end))

    expected = reference_deadline(start, minutes_needed, is_working)

    assert expected is not None  # the reference walk is long enough, see REFERENCE_WALK_MINUTES
    assert add_business_time(start, minutes_needed * MINUTE, calendar) == expected


@REFERENCE_CASES
@given(
    scenario=scenarios(),
    first=st.sampled_from(range(3 * MINUTES_PER_DAY)),
    length=st.sampled_from(range(-60, 3 * MINUTES_PER_DAY)),
)
def test_business_time_between_matches_the_minute_by_minute_reference(
    scenario: Scenario, first: int, length: int
) -> None:
    is_working = reference_is_working(scenario.calendar, scenario.start)
    last = first + length

    expected = sum(is_working(index) for index in range(first, last)) * MINUTE

    actual = business_time_between(
        scenario.start + first * MINUTE, scenario.start + last * MINUTE, scenario.calendar
    )
    assert actual == expected


@REFERENCE_CASES
@given(
    scenario=scenarios(),
    specs=pause_specs,
    share=duration_shares,
    # Instead of the share: exactly the working time before the n-th pause begins, where
    # off-by-one mistakes hide.
    until_pause=st.one_of(st.none(), st.integers(0, 2)),
    now_minute=st.sampled_from(range(-60, 7 * MINUTES_PER_DAY)),
)
def test_deadline_with_pauses_and_remaining_match_the_minute_by_minute_reference(
    scenario: Scenario,
    specs: tuple[list[tuple[int, int]], bool],
    share: int,
    until_pause: int | None,
    now_minute: int,
) -> None:
    calendar, start = scenario.calendar, scenario.start
    pauses = pauses_from(start, specs)
    is_working = reference_is_working(calendar, start)
    paused_ranges = paused_minute_ranges(start, pauses)

    @functools.cache  # the deadline walk and the remaining-time count share their minutes
    def counts(index: int) -> bool:
        return is_working(index) and not any(first <= index < last for first, last in paused_ranges)

    most = weekly_working_minutes(calendar)
    minutes_needed = most * share // 1000
    if until_pause is not None and until_pause < len(pauses):
        pause_start = (pauses[until_pause].start - start) // MINUTE
        worked_before_pause = sum(counts(index) for index in range(pause_start))
        if worked_before_pause <= most:  # keep within what the reference walk covers
            minutes_needed = worked_before_pause
    duration = minutes_needed * MINUTE

    # From the start of a pause that is still open, no minute counts: the walk can stop there.
    open_pause_starts = [(pause.start - start) // MINUTE for pause in pauses if pause.end is None]
    walk_minutes = max(0, min(open_pause_starts, default=REFERENCE_WALK_MINUTES))
    expected_deadline = reference_deadline(start, minutes_needed, counts, walk_minutes)
    expected_remaining = duration - sum(counts(index) for index in range(now_minute)) * MINUTE

    if not open_pause_starts:
        assert expected_deadline is not None  # see REFERENCE_WALK_MINUTES
    assert deadline_with_pauses(start, duration, calendar, pauses) == expected_deadline
    now = start + now_minute * MINUTE
    assert remaining(now, start, duration, calendar, pauses) == expected_remaining


# --- properties of the fast implementation alone -------------------------------------------


@PROPERTY_CASES
@given(
    scenario=scenarios(),
    share=duration_shares,
    extra_holiday_days=st.lists(st.integers(-1, 40), min_size=1, max_size=4),
)
def test_holidays_never_make_a_deadline_earlier(
    scenario: Scenario, share: int, extra_holiday_days: list[int]
) -> None:
    calendar = scenario.calendar
    duration = share_of_three_weeks(calendar, share)
    first_day = scenario.start.astimezone(ZoneInfo(calendar.time_zone)).date()
    with_more_holidays = Calendar(
        time_zone=calendar.time_zone,
        hours=calendar.hours,
        holidays=calendar.holidays
        | {first_day + timedelta(days=day) for day in extra_holiday_days},
    )

    assert add_business_time(scenario.start, duration, calendar) <= add_business_time(
        scenario.start, duration, with_more_holidays
    )


@PROPERTY_CASES
@given(
    scenario=scenarios(),
    share=duration_shares,
    specs=pause_specs,
    extra_start_minute=st.integers(-60, 30 * MINUTES_PER_DAY),
    extra_length=st.one_of(st.none(), st.integers(0, 5 * MINUTES_PER_DAY)),
)
def test_pauses_never_make_a_deadline_earlier(
    scenario: Scenario,
    share: int,
    specs: tuple[list[tuple[int, int]], bool],
    extra_start_minute: int,
    extra_length: int | None,
) -> None:
    duration = share_of_three_weeks(scenario.calendar, share)
    pauses = pauses_from(scenario.start, specs)
    extra_start = scenario.start + extra_start_minute * MINUTE
    extra_end = None if extra_length is None else extra_start + extra_length * MINUTE
    more_pauses = [*pauses, Pause(start=extra_start, end=extra_end)]

    before = deadline_with_pauses(scenario.start, duration, scenario.calendar, pauses)
    after = deadline_with_pauses(scenario.start, duration, scenario.calendar, more_pauses)

    # No deadline (paused) counts as later than any deadline.
    if before is None:
        assert after is None
    else:
        assert after is None or after >= before


@PROPERTY_CASES
@given(scenario=scenarios(), share=duration_shares)
def test_counting_the_time_up_to_a_deadline_gives_back_the_duration(
    scenario: Scenario, share: int
) -> None:
    duration = max(MINUTE, share_of_three_weeks(scenario.calendar, share))
    deadline = add_business_time(scenario.start, duration, scenario.calendar)

    assert business_time_between(scenario.start, deadline, scenario.calendar) == duration
    # And it is the earliest such instant: a minute earlier, the time is not yet all there.
    assert business_time_between(scenario.start, deadline - MINUTE, scenario.calendar) < duration


@PROPERTY_CASES
@given(scenario=scenarios(), first_share=duration_shares, second_share=duration_shares)
def test_a_longer_duration_never_gives_an_earlier_deadline(
    scenario: Scenario, first_share: int, second_share: int
) -> None:
    shorter, longer = (
        share_of_three_weeks(scenario.calendar, share)
        for share in sorted([first_share, second_share])
    )

    assert add_business_time(scenario.start, shorter, scenario.calendar) <= add_business_time(
        scenario.start, longer, scenario.calendar
    )


@PROPERTY_CASES
@given(
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    split_at=st.integers(1, MINUTES_PER_DAY - 1),
)
def test_a_calendar_working_every_minute_is_plain_timedelta_arithmetic(
    zone_name: str, start: datetime, duration: timedelta, split_at: int
) -> None:
    always = Calendar.always(time_zone=zone_name)
    # The same calendar, but with intervals split in two and a holiday long ago: it is no
    # longer recognised as 24/7, so the general (offset-by-offset) path computes it.
    split_hours = tuple(
        WorkingHours(weekday, begin, end)
        for weekday in range(7)
        for begin, end in [
            (time(0), minutes_to_time(split_at)),
            (minutes_to_time(split_at), time(0)),
        ]
    )
    general = Calendar(
        time_zone=zone_name, hours=split_hours, holidays=frozenset({date(1990, 1, 1)})
    )
    assert always.is_24_7()
    assert not general.is_24_7()

    for calendar in (always, general):
        assert add_business_time(start, duration, calendar) == start + duration
        assert business_time_between(start, start + duration, calendar) == duration


# --- concrete daylight-saving days ---------------------------------------------------------

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def small_hours_calendar(zone: str, weekday: int) -> Calendar:
    """Work from midnight to 04:00 local, only on the given weekday: covers every transition."""
    return Calendar(time_zone=zone, hours=(WorkingHours(weekday, time(0), time(4)),))


@pytest.mark.parametrize(
    ("zone", "transition_day", "worked"),
    [
        ("Europe/London", date(2026, 3, 29), timedelta(hours=3)),
        ("Europe/London", date(2026, 10, 25), timedelta(hours=5)),
        ("America/New_York", date(2026, 3, 8), timedelta(hours=3)),
        ("America/New_York", date(2026, 11, 1), timedelta(hours=5)),
        ("Australia/Sydney", date(2026, 10, 4), timedelta(hours=3)),
        ("Australia/Sydney", date(2026, 4, 5), timedelta(hours=5)),
    ],
)
def test_the_small_hours_of_a_transition_day_last_an_hour_less_or_more(
    zone: str, transition_day: date, worked: timedelta
) -> None:
    calendar = small_hours_calendar(zone, transition_day.weekday())
    local_midnight = datetime.combine(transition_day, time(0), tzinfo=ZoneInfo(zone))

    between = business_time_between(
        local_midnight - timedelta(days=1), local_midnight + timedelta(days=2), calendar
    )

    assert between == worked
    assert (
        add_business_time(local_midnight, worked, calendar)
        == local_midnight.astimezone(UTC) + worked
    )


def test_london_spring_forward_skips_the_missing_hour() -> None:
    calendar = small_hours_calendar("Europe/London", weekday=6)
    midnight = datetime(2026, 3, 29, 0, 0, tzinfo=LONDON)  # 00:00 GMT

    deadline = add_business_time(midnight, timedelta(minutes=90), calendar)

    # 00:00-01:00 GMT is one hour; the clocks then jump to 02:00 BST, half an hour later.
    assert deadline == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert deadline.astimezone(LONDON).time() == time(2, 30)


def test_london_fall_back_counts_the_repeated_hour_twice() -> None:
    calendar = small_hours_calendar("Europe/London", weekday=6)
    midnight = datetime(2026, 10, 25, 0, 0, tzinfo=LONDON)  # 00:00 BST = 23:00 UTC the day before

    deadline = add_business_time(midnight, timedelta(hours=2), calendar)

    # 00:00-02:00 BST is over at 01:00 UTC, which is the second 01:00 on London's clocks.
    assert deadline == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert deadline.astimezone(LONDON) == datetime(2026, 10, 25, 1, 0, fold=1, tzinfo=LONDON)


def test_new_york_office_hours_keep_local_time_across_spring_forward() -> None:
    calendar = Calendar(time_zone="America/New_York", hours=MONDAY_TO_FRIDAY_9_TO_5)
    friday_afternoon = datetime(2026, 3, 6, 16, 0, tzinfo=NEW_YORK)  # EST, UTC-5

    deadline = add_business_time(friday_afternoon, timedelta(hours=3), calendar)

    # Monday 11:00 EDT, UTC-4.
    assert deadline == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    assert business_time_between(friday_afternoon, deadline, calendar) == timedelta(hours=3)


def test_new_york_fall_back_night_shift_works_the_repeated_hour() -> None:
    night_shift = Calendar(time_zone="America/New_York", hours=(WorkingHours(6, time(0), time(6)),))
    midnight = datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK)

    assert business_time_between(midnight, midnight + timedelta(days=1), night_shift) == timedelta(
        hours=7
    )


def test_sydney_office_hours_across_both_transitions() -> None:
    calendar = Calendar(time_zone="Australia/Sydney", hours=MONDAY_TO_FRIDAY_9_TO_5)
    for friday in (date(2026, 4, 3), date(2026, 10, 2)):
        friday_afternoon = datetime.combine(friday, time(16), tzinfo=SYDNEY)

        deadline = add_business_time(friday_afternoon, timedelta(hours=2), calendar)

        monday_ten = datetime.combine(friday + timedelta(days=3), time(10), tzinfo=SYDNEY)
        assert deadline == monday_ten.astimezone(UTC)


# --- concrete behaviour --------------------------------------------------------------------

LONDON_OFFICE = Calendar(
    time_zone="Europe/London",
    hours=tuple(
        WorkingHours(weekday, begin, end)
        for weekday in range(5)
        for begin, end in [(time(9), time(12)), (time(13), time(17, 30))]
    ),
    holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}),
)


def test_a_deadline_skips_lunch_nights_weekends_and_holidays() -> None:
    thursday_before_christmas = datetime(2026, 12, 24, 11, 0, tzinfo=LONDON)

    deadline = add_business_time(thursday_before_christmas, timedelta(hours=2), LONDON_OFFICE)

    # 11:00-12:00 on the 24th, then lunch; 13:00-14:00 completes it the same day.
    assert deadline == datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
    # A whole working day (7.5 h) more lands on Tuesday the 29th: Friday and Monday are holidays.
    later = add_business_time(
        thursday_before_christmas, timedelta(hours=9, minutes=30), LONDON_OFFICE
    )
    assert later == datetime(2026, 12, 29, 14, 0, tzinfo=UTC)


def test_a_deadline_ends_at_the_close_of_the_interval_that_completes_it() -> None:
    monday_nine = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)

    deadline = add_business_time(monday_nine, timedelta(hours=3), LONDON_OFFICE)

    assert deadline.astimezone(LONDON) == datetime(2026, 6, 1, 12, 0, tzinfo=LONDON)


def test_zero_duration_is_the_start_itself_even_outside_hours() -> None:
    saturday_night = datetime(2026, 6, 6, 23, 17, 5, tzinfo=LONDON)

    assert add_business_time(saturday_night, timedelta(0), LONDON_OFFICE) == saturday_night
    assert add_business_time(saturday_night, timedelta(0), LONDON_OFFICE).tzinfo is UTC


def test_a_start_outside_hours_waits_for_the_next_opening() -> None:
    saturday_night = datetime(2026, 6, 6, 23, 0, tzinfo=LONDON)

    deadline = add_business_time(saturday_night, timedelta(minutes=1), LONDON_OFFICE)

    assert deadline.astimezone(LONDON) == datetime(2026, 6, 8, 9, 1, tzinfo=LONDON)


def test_times_are_exact_to_the_microsecond() -> None:
    start = datetime(2026, 6, 1, 11, 59, 59, 999_999, tzinfo=LONDON)

    deadline = add_business_time(start, timedelta(microseconds=2), LONDON_OFFICE)

    assert deadline.astimezone(LONDON) == datetime(2026, 6, 1, 13, 0, 0, 1, tzinfo=LONDON)
    assert business_time_between(start, deadline, LONDON_OFFICE) == timedelta(microseconds=2)


def test_touching_intervals_work_as_one() -> None:
    calendar = Calendar(
        time_zone="Asia/Kolkata",
        hours=(WorkingHours(0, time(9), time(12)), WorkingHours(0, time(12), time(17))),
    )
    monday_eleven = datetime(2026, 6, 1, 11, 0, tzinfo=ZoneInfo("Asia/Kolkata"))

    deadline = add_business_time(monday_eleven, timedelta(hours=2), calendar)

    assert deadline == datetime(2026, 6, 1, 7, 30, tzinfo=UTC)  # 13:00 IST


def test_thirty_business_days_land_six_weeks_later() -> None:
    calendar = Calendar(time_zone="Europe/London", hours=MONDAY_TO_FRIDAY_9_TO_5)
    monday_nine = datetime(2026, 1, 5, 9, 0, tzinfo=LONDON)

    deadline = add_business_time(monday_nine, timedelta(hours=8 * 30), calendar)

    assert deadline.astimezone(LONDON) == datetime(2026, 2, 13, 17, 0, tzinfo=LONDON)


def test_calendar_time_is_plain_addition_across_daylight_saving() -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=LONDON)

    # Not `start + timedelta(days=90)`: Python adds to an aware datetime in wall-clock time,
    # which here would be an hour short of 90 days of elapsed time.
    ninety_days_later = start.astimezone(UTC) + timedelta(days=90)
    assert add_business_time(start, timedelta(days=90), CALENDAR_TIME) == ninety_days_later
    assert ninety_days_later.astimezone(LONDON).time() == time(13, 0)
    assert CALENDAR_TIME.is_24_7()
    assert not LONDON_OFFICE.is_24_7()


def test_a_closed_pause_pushes_the_deadline_by_the_working_time_it_covered() -> None:
    monday_nine = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    # Paused from Monday 10:00 to Tuesday 10:00: 1.5 h + 2 h + 1 h of working time.
    pause = Pause(
        start=datetime(2026, 6, 1, 10, 0, tzinfo=LONDON),
        end=datetime(2026, 6, 2, 10, 0, tzinfo=LONDON),
    )

    deadline = deadline_with_pauses(monday_nine, timedelta(hours=2), LONDON_OFFICE, [pause])

    assert deadline is not None
    assert deadline.astimezone(LONDON) == datetime(2026, 6, 2, 11, 0, tzinfo=LONDON)
    assert worked_time(monday_nine, deadline, LONDON_OFFICE, [pause]) == timedelta(hours=2)


def test_an_open_pause_means_no_deadline_until_it_ends() -> None:
    monday_nine = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    open_pause = Pause(start=datetime(2026, 6, 1, 10, 0, tzinfo=LONDON), end=None)

    assert (
        deadline_with_pauses(monday_nine, timedelta(hours=2), LONDON_OFFICE, [open_pause]) is None
    )
    # A deadline reached before the pause began still stands.
    assert deadline_with_pauses(
        monday_nine, timedelta(hours=1), LONDON_OFFICE, [open_pause]
    ) == datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)


def test_remaining_time_turns_negative_in_working_time_once_overdue() -> None:
    monday_nine = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    friday_evening = datetime(2026, 6, 5, 20, 0, tzinfo=LONDON)
    next_monday_morning = datetime(2026, 6, 8, 8, 0, tzinfo=LONDON)
    four_hours = timedelta(hours=4)

    assert remaining(monday_nine, monday_nine, four_hours, LONDON_OFFICE, []) == four_hours
    overdue_friday = remaining(friday_evening, monday_nine, four_hours, LONDON_OFFICE, [])
    assert overdue_friday == four_hours - 5 * timedelta(hours=7, minutes=30)
    assert (
        remaining(next_monday_morning, monday_nine, four_hours, LONDON_OFFICE, []) == overdue_friday
    )


def test_remaining_time_stands_still_during_a_pause() -> None:
    monday_nine = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    open_pause = Pause(start=datetime(2026, 6, 1, 10, 0, tzinfo=LONDON), end=None)
    hours = timedelta(hours=4)

    at_pause = remaining(open_pause.start, monday_nine, hours, LONDON_OFFICE, [open_pause])
    week_later = remaining(
        open_pause.start + timedelta(days=7), monday_nine, hours, LONDON_OFFICE, [open_pause]
    )

    assert at_pause == week_later == timedelta(hours=3)


# --- validation ----------------------------------------------------------------------------


def test_overlapping_working_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Calendar(
            time_zone="UTC",
            hours=(WorkingHours(0, time(9), time(13)), WorkingHours(0, time(12), time(17))),
        )


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, time(9), time(17)), (0, time(17), time(9)), (0, time(9), time(9))],
)
def test_impossible_working_hours_are_rejected(weekday: int, start: time, end: time) -> None:
    with pytest.raises(ValueError):
        WorkingHours(weekday, start, end)


def test_an_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Calendar(time_zone="Mars/Olympus_Mons", hours=MONDAY_TO_FRIDAY_9_TO_5)


def test_a_calendar_without_working_time_cannot_reach_a_deadline() -> None:
    never = Calendar(time_zone="UTC", hours=())
    start = datetime(2026, 6, 1, tzinfo=UTC)

    with pytest.raises(ValueError, match="no working time"):
        add_business_time(start, timedelta(minutes=1), never)
    assert add_business_time(start, timedelta(0), never) == start
    assert business_time_between(start, start + timedelta(days=30), never) == timedelta(0)


def test_naive_datetimes_and_negative_durations_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 6, 1, 9), timedelta(hours=1), LONDON_OFFICE)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(datetime(2026, 6, 1, 9, tzinfo=UTC), -timedelta(hours=1), LONDON_OFFICE)
    with pytest.raises(ValueError, match="before it starts"):
        Pause(start=datetime(2026, 6, 2, tzinfo=UTC), end=datetime(2026, 6, 1, tzinfo=UTC))
