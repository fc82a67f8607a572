"""What consent announces to the layers above (core/events.py; received by notifications)."""

from core.events import DomainEvent

# version=: a terms version was published; its Art 14 notices are due after the commit.
terms_version_published = DomainEvent("consent.terms_version_published")
