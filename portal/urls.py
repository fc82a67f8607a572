from django.urls import path, register_converter

from core.dates import IsoDateConverter
from portal import mine, reservation, views, waitlist

# A real day within the typed-date range; anything else (2026-02-30, 9999-12-31) is a 404.
register_converter(IsoDateConverter, "isodate")

app_name = "bookings"

urlpatterns = [
    path("", views.start, name="start"),
    path("identify/", views.identify, name="identify"),
    path("identify/returning/", views.identify_returning, name="identify_returning"),
    path("identify/sent/", views.link_sent, name="link_sent"),
    path("identify/received/", views.request_received, name="request_received"),
    path("signin/<str:token>/", views.sign_in, name="sign_in"),
    path("signout/", views.sign_out, name="sign_out"),
    path("book/", views.journey, name="journey"),
    path("book/unavailable/", views.gate, name="gate"),
    path("book/terms/", views.terms, name="terms"),
    path("book/checklist/", views.checklist, name="checklist"),
    path("book/date/", views.calendar, name="calendar"),
    path("book/date/<isodate:date>/", views.day, name="day"),
    path("book/time/", views.choose_time, name="choose_time"),
    path("book/details/", views.details, name="details"),
    path("book/check/", views.check, name="check"),
    path("book/notify/", waitlist.waitlist_list, name="waitlist"),
    path("book/notify/<isodate:date>/", waitlist.waitlist_ask, name="waitlist_ask"),
    path(
        "book/notify/<int:pk>/withdraw/",
        waitlist.waitlist_withdraw_view,
        name="waitlist_withdraw",
    ),
    path(
        "notify/withdraw/<str:token>/",
        waitlist.waitlist_withdraw_link,
        name="waitlist_withdraw_link",
    ),
    path("book/done/<str:token>/", views.confirmation, name="confirmation"),
    path("mine/", mine.mine, name="mine"),
    path("mine/<int:pk>/change/", mine.change_start, name="mine_change_start"),
    path("mine/change/", mine.change_check, name="mine_change"),
    path("mine/change/stop/", mine.change_stop, name="mine_change_stop"),
    path("r/<str:token>/", reservation.reservation_page, name="reservation"),
    path(
        "r/<str:token>/calendar.ics",
        reservation.reservation_ics_download,
        name="reservation_ics",
    ),
    path(
        "r/<str:token>/cancel/",
        reservation.reservation_cancel_view,
        name="reservation_cancel",
    ),
]
