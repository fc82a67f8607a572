"""Dates and times as every page says them in Japanese: 2026年12月1日（火）10:00, as
core.calendar.format_jp_date / format_jp_datetime write them on the jobseekers' pages.

Django's own Japanese formats (2026年12月1日1:00, no weekday, hour unpadded) are what the admin
shows otherwise; only the display formats are replaced, the input formats stay Django's.
"""

DATE_FORMAT = "Y年n月j日（D）"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日（D）H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
