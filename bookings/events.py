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
# reservation=, reservation_id=, old_slot_id=, new_slot_id=, now=: the reservation moved to
# another time (`reservation_move`): the same reservation now holds the new slot, its `starts_at`
# and `sequence` already changed, in the sender's transaction. The meeting at the video service
# is moved and the invitation of the new version goes out with the new .ics.
reservation_moved = DomainEvent("bookings.reservation_moved")
# request_ids=, now=: a jobseeker asked to be told when a time frees up (their confirmation).
waitlist_requested = DomainEvent("bookings.waitlist_requested")
# request_ids=, now=: times freed up (a cancellation, slots added or opened); each of these
# waiting requests is told once (they are marked notified in the same transaction).
waitlist_offered = DomainEvent("bookings.waitlist_offered")
