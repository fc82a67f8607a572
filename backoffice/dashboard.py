"""The staff dashboard: what needs attention today, each figure a link to the filtered list."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from backoffice.selectors import staff_dashboard
from bookings.models import Reservation
from core.calendar import format_jp_date, format_jp_datetime
from offices.admin_scope import scoped_queryset, staff_page_context, staff_page_require
from offices.models import Office


@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    staff_page_require(request, "bookings.view_reservation")
    dashboard = staff_dashboard(offices=scoped_queryset(request, Office), now=timezone.now())
    return TemplateResponse(
        request,
        "admin/bookings/dashboard.html",
        staff_page_context(
            request,
            _("Today at the office"),
            model=Reservation,
            dashboard=dashboard,
            today=format_jp_date(dashboard.today),
            today_iso=dashboard.today.isoformat(),
            can_view_jobseekers=request.user.has_perm("jobseekers.view_jobseeker"),
            failing_video_services=[
                {
                    "office": office,
                    "since": format_jp_datetime(office.meeting_provider_failing_since),
                    "reason": gettext(office.meeting_provider_failure),
                }
                for office in dashboard.failing_video_services
            ],
        ),
    )
