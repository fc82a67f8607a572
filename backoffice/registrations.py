"""Online registration requests in the back office: staff check who asked, then decide.

The office's check (at the counter, or a phone call to the number the Hello Work system holds)
is what binds an email address to a 求職番号 (docs/security.md). Only staff who may change
jobseekers (office staff, bureau administrators) see and decide requests, of their offices.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from backoffice.audit import ChangePageViewAudit
from core.calendar import tokyo_date
from core.errors import DomainError
from jobseekers.models import (
    CONFIRM_METHODS,
    REJECT_REASONS,
    AuditAction,
    RegistrationRequest,
    RequestDecision,
    RequestStatus,
)
from jobseekers.registrations import (
    registration_request_confirm,
    registration_request_context,
    registration_request_reject,
)
from jobseekers.selectors import jobseekers_search
from jobseekers.services import audit_record, registration_end_for
from offices.admin_scope import OfficeScopedAdmin, scoped_or_404

DECIDE_PERMISSION = "jobseekers.change_jobseeker"


def _may_decide(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.has_perm(DECIDE_PERMISSION)


def _audit_view(request: HttpRequest, obj: RegistrationRequest, context: dict) -> None:
    """Art 9: who looked at a request (and at the number's record shown beside it)."""
    record = context.get("record")
    shown = record if record is not None and not context.get("record_other_office") else None
    audit_record(
        action=AuditAction.VIEW,
        actor=request.user,
        jobseeker=shown,
        target=f"registration_request:{obj.pk}",
        detail="admin",
    )


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(ChangePageViewAudit, OfficeScopedAdmin):
    list_display = [
        "received_at",
        "number",
        "full_name",
        "full_name_kana",
        "email",
        "office",
        "status",
        "decide_link",
    ]
    list_select_related = ["office"]
    list_filter = ["status", ("office", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "family_name", "given_name", "family_name_kana", "given_name_kana"]
    search_help_text = _("Jobseeker number (typed any way) or name, in kanji or kana.")
    fields = [
        "number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "email",
        "language",
        "office",
        "status",
        "created_at",
        "received_at",
        "decided_at",
        "decided_by",
        "decision",
        "jobseeker",
    ]
    readonly_fields = fields
    change_form_template = "admin/jobseekers/registrationrequest/change_form.html"

    @admin.display(description=_("name"))
    def full_name(self, obj: RegistrationRequest) -> str:
        return obj.full_name

    @admin.display(description=_("reading"))
    def full_name_kana(self, obj: RegistrationRequest) -> str:
        return obj.full_name_kana

    @admin.display(description=_("decision"))
    def decide_link(self, obj: RegistrationRequest) -> str:
        if obj.status != RequestStatus.PENDING:
            return obj.get_decision_display()
        confirm = reverse("admin:jobseekers_registrationrequest_confirm", args=[obj.pk])
        reject = reverse("admin:jobseekers_registrationrequest_reject", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>', confirm, _("Confirm"), reject, _("Decline")
        )

    def has_module_permission(self, request):
        return _may_decide(request)

    def has_view_permission(self, request, obj=None):
        return _may_decide(request)

    def has_add_permission(self, request):
        # A request is made by the visitor's link; staff who meet someone add a jobseeker.
        return False

    def has_change_permission(self, request, obj=None):
        # Decided only through confirm / decline (the services), never edited.
        return False

    def has_delete_permission(self, request, obj=None):
        # Requests are deleted by the retention job (REGISTRATION_REQUEST_RETENTION_DAYS).
        return request.user.is_superuser

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return jobseekers_search(queryset=queryset, term=search_term), False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/confirm/",
                wrap(confirm_view),
                name="jobseekers_registrationrequest_confirm",
            ),
            path(
                "<int:pk>/reject/", wrap(reject_view), name="jobseekers_registrationrequest_reject"
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(registration_request_context(obj, today=tokyo_date(timezone.now())))
        return super().change_view(request, object_id, form_url, extra)

    def change_page_viewed(self, request, obj) -> None:
        _audit_view(
            request, obj, registration_request_context(obj, today=tokyo_date(timezone.now()))
        )


class QuestionForm(forms.Form):
    """Labels that are questions take no colon after them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConfirmForm(QuestionForm):
    method = forms.ChoiceField(
        label=_("How did you check that the request is the jobseeker's?"),
        choices=[(value, RequestDecision(value).label) for value in CONFIRM_METHODS],
        widget=forms.RadioSelect,
    )
    valid_until = forms.DateField(
        label=_("Registration valid until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RejectForm(QuestionForm):
    reason = forms.ChoiceField(
        label=_("Why is the request declined?"),
        choices=[(value, RequestDecision(value).label) for value in REJECT_REASONS],
        widget=forms.RadioSelect,
    )


def _page(request: HttpRequest, obj: RegistrationRequest, title, **context) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": RegistrationRequest._meta,
        "original": obj,
        **context,
    }


def _pending_or_redirect(request: HttpRequest, pk: int):
    if not _may_decide(request):
        raise PermissionDenied
    obj = scoped_or_404(RegistrationRequest.objects.select_related("office"), request, pk=pk)
    if obj.status != RequestStatus.PENDING:
        messages.info(request, _("This request has been decided already."))
        return obj, redirect("admin:jobseekers_registrationrequest_change", obj.pk)
    return obj, None


@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm: the address becomes the number's, the registration is verified (Art 2(1))."""
    obj, done = _pending_or_redirect(request, pk)
    if done is not None:
        return done
    today = tokyo_date(timezone.now())
    context = registration_request_context(obj, today=today)
    roster = context["roster"]
    form = ConfirmForm(
        request.POST or None,
        initial={"valid_until": roster.valid_until if roster else registration_end_for(today)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                jobseeker = registration_request_confirm(
                    request=obj,
                    actor=request.user,
                    method=form.cleaned_data["method"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "The request is confirmed: the address is now the jobseeker's and an "
                        "email tells them they can book."
                    ),
                )
                return redirect("admin:jobseekers_jobseeker_change", jobseeker.pk)
    else:
        _audit_view(request, obj, context)
    return TemplateResponse(
        request,
        "admin/jobseekers/registrationrequest/decide.html",
        _page(
            request,
            obj,
            _("Confirm an online registration request"),
            form=form,
            decision="confirm",
            **context,
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline: nothing else changes (the jobseeker may ask again, or phone)."""
    obj, done = _pending_or_redirect(request, pk)
    if done is not None:
        return done
    form = RejectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                registration_request_reject(
                    request=obj, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The request is declined."))
                return redirect("admin:jobseekers_registrationrequest_changelist")
    context = registration_request_context(obj, today=tokyo_date(timezone.now()))
    if request.method == "GET":
        _audit_view(request, obj, context)
    return TemplateResponse(
        request,
        "admin/jobseekers/registrationrequest/decide.html",
        _page(
            request,
            obj,
            _("Decline an online registration request"),
            form=form,
            decision="reject",
            **context,
        ),
        status=status,
    )
