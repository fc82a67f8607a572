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
# reservation_id=, old_slot_id=, new_slot_id=, now=: the jobseeker changed the reservation's
# time (`reservation_move`): the same reservation now holds the new slot, its sequence raised.
# notifications queues the updated invitation, and for a meeting at a video service moves it
# first (the invitation waits for it: docs/meetings.md).
reservation_moved = DomainEvent("bookings.reservation_moved")
# request_ids=, now=: a jobseeker asked to be told when a time frees up (their confirmation).
waitlist_requested = DomainEvent("bookings.waitlist_requested")
# request_ids=, now=: times freed up (a cancellation, slots added or opened); each of these
# waiting requests is told once (they are marked notified in the same transaction).
waitlist_offered = DomainEvent("bookings.waitlist_offered")
