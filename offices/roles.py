"""Who holds which role in the admin, and which user is recorded as having acted; the usage
records are for the bureau administrator only."""


def is_bureau_administrator(user) -> bool:
    """Art 7, 9: an active staff user of a bureau with no office of their own, or a superuser."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.office_id is None


def recorded_user(actor):
    """The staff user to record as having acted, or None for the system (a task, a command)
    and for an anonymous request."""
    return actor if actor is not None and actor.is_authenticated else None
