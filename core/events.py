"""Domain events: how a lower layer causes something in a higher one (docs/architecture.md).

The layers import downwards only: `bookings` cannot import `notifications`, yet a booking must
queue its invitation in the same transaction. The lower layer declares an event and sends it;
the higher one connects a receiver in its AppConfig.ready(). Django's signals are synchronous:
the receiver runs in the sender's thread and database transaction, so the invitation row is
committed with the booking or rolled back with it, exactly as when bookings called the outbox.

Two things make an event safer than a plain signal:
- `send` refuses to go unheard: an event without a receiver raises ImproperlyConfigured (an
  app left out of INSTALLED_APPS would otherwise book without ever inviting);
- a receiver's exception propagates (no `send_robust`), and so rolls the transaction back.
"""

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

EVENTS: list["DomainEvent"] = []


class DomainEvent(Signal):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        EVENTS.append(self)

    def __repr__(self) -> str:
        return f"<DomainEvent {self.name}>"

    def send(self, sender, **named):
        if not self.has_listeners(sender):
            raise ImproperlyConfigured(f"Nothing receives the domain event {self.name!r}.")
        return super().send(sender, **named)

    def send_robust(self, sender, **named):
        raise TypeError("A domain event's receiver errors must roll its transaction back.")
