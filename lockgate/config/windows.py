"""Change windows: "Mon-Thu 07:00-17:00" style spans of weekdays and hours, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_window(window: str) -> tuple[frozenset[int], time, time]:
    """(weekdays, start, end) of a window; ValueError with the reason when it is malformed."""
    try:
        day_part, hour_part = window.split()
        days: set[int] = set()
        for piece in day_part.split(","):
            first, _, last = piece.partition("-")
            start_day, end_day = DAYS.index(first), DAYS.index(last or first)
            if end_day < start_day:
                raise ValueError(f"{piece} runs backwards")
            days.update(range(start_day, end_day + 1))
        start, end = (time.fromisoformat(h) for h in hour_part.split("-"))
    except ValueError as exc:
        raise ValueError(
            f"change window {window!r} is not like 'Mon-Thu 07:00-17:00' (UTC): {exc}"
        ) from exc
    if end <= start:
        raise ValueError(f"change window {window!r} ends before it starts")
    return frozenset(days), start, end


def in_window(moment: datetime, windows: list[str]) -> bool:
    """True when `moment` falls in one of `windows`; no windows means any time."""
    if not windows:
        return True
    utc = moment.astimezone(UTC)
    for window in windows:
        days, start, end = parse_window(window)
        if utc.weekday() in days and start <= utc.time() < end:
            return True
    return False


def next_open(moment: datetime, windows: list[str], lasting: timedelta = timedelta(0)) -> datetime:
    """`moment` if a window is open then and still `lasting` later, else the start of the next
    window (UTC) that is: work that takes `lasting` starts where it can also end."""
    if in_window(moment, windows) and in_window(moment + lasting, windows):
        return moment
    utc = moment.astimezone(UTC)
    starts = []
    for offset in range(8):
        day = (utc + timedelta(days=offset)).date()
        for window in windows:
            days, start, _ = parse_window(window)
            candidate = datetime.combine(day, start, tzinfo=UTC)
            if (
                day.weekday() in days
                and candidate > utc
                and in_window(candidate + lasting, windows)
            ):
                starts.append(candidate)
    if not starts:
        raise ValueError(f"no change window opens in the week after {utc.isoformat()}")
    return min(starts)
