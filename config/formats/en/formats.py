"""Dates and times as every page says them in English: Tue 1 Dec 2026, 10:00, as
core.calendar.format_jp_date / format_jp_datetime write them on the jobseekers' pages."""

DATE_FORMAT = "D j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j M Y, H:i"
