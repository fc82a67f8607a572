"""What bookings announce to the layers above (core/events.py; received by notifications).

Each is sent inside the transaction that made the change; the receivers write in it too.
"""

from core.events import DomainEvent

# reservation=, now=: a reservation was booked; its invitation is due (at once with a meeting
# URL; once the video service made the meeting when the office uses one).
reservation_booked = DomainEvent("bookings.reservation_booked")
# reservation=, now=: a reservation was cancelled (online or by phone); it was confirmed.
reservation_cancelled = DomainEvent("bookings.reservation_cancelled")
# reservation_ids=, now=: the no-show sweep marked these reservations (Art 6(5)).
reservations_no_show = DomainEvent("bookings.reservations_no_show")
# reservation=, now=: a confirmed reservation moved to another time (its `starts_at`, `slot`
# and `sequence` already changed, in the sender's transaction). The meeting at the video service
# is moved and the invitation of the new version goes out with the new .ics. A reschedule
# service sends it; notifications receives it.
reservation_moved = DomainEvent("bookings.reservation_moved")
