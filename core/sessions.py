"""A request whose outcome is committed before its session is saved (a booking)."""

_BEST_EFFORT = "_session_save_best_effort"


def session_save_best_effort(request) -> None:
    """What this request did is committed: a session that cannot be saved afterwards must not
    change its response (config.middleware.SessionMiddleware only logs it)."""
    setattr(request, _BEST_EFFORT, True)


def session_save_is_best_effort(request) -> bool:
    return getattr(request, _BEST_EFFORT, False)
