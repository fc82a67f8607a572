"""Who holds which role in the admin; the usage records are for the bureau administrator only."""


def is_bureau_administrator(user) -> bool:
    """Art 7, 9: an active staff user of a bureau with no office of their own, or a superuser."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.office_id is None
