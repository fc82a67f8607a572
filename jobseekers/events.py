"""What jobseekers' services announce to the layers above (core/events.py).

Each is sent inside the transaction that made the change; the receivers write in it too.
"""

from core.events import DomainEvent

# token=, jobseeker= (or None on a first visit), on_roster=, recipient=, language=, now=:
# a sign-in link was made; its email is due (notifications picks which one).
sign_in_link_created = DomainEvent("jobseekers.sign_in_link_created")
# recipient=, language=, now=: an address that is no jobseeker's asked for a link.
sign_in_address_unknown = DomainEvent("jobseekers.sign_in_address_unknown")
# request=, jobseeker=, now=: staff confirmed a registration request; the jobseeker is told.
registration_confirmed = DomainEvent("jobseekers.registration_confirmed")
# jobseeker_id=, now=: a jobseeker's personal data was erased (Art 9); every app erases its
# copies of it (reservations' free text, consents' IP addresses, emails' recipients).
jobseeker_anonymised = DomainEvent("jobseekers.jobseeker_anonymised")
# before=: identification data older than `before` was purged (Art 9); receivers delete what
# they keep of it and return how many rows went.
identification_purged = DomainEvent("jobseekers.identification_purged")
