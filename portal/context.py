"""What every public page's layout needs to know about the visitor."""

from django.http import HttpRequest


def journey(request: HttpRequest) -> dict:
    """`mine_link`: a jobseeker is signed in, so the header links 「予約の確認」.

    Only the session's key is read (no query): a journey past its lifetime still shows the
    link, which then asks the jobseeker to sign in again.
    """
    from portal.views import SESSION_JOBSEEKER

    session = getattr(request, "session", None)
    return {"mine_link": bool(session is not None and session.get(SESSION_JOBSEEKER))}
