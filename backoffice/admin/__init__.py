"""Every ModelAdmin of the project's domain apps, registered on the admin site.

One module per domain app; each ModelAdmin derives from `offices.admin_scope.OfficeScopedAdmin`
(the one scoping rule). The staff's custom pages they mount live beside this package.
"""

from . import bookings, consent, jobseekers, notifications, offices  # noqa: F401
