"""Least privilege in the admin (Art 9): every list, form, action and page sees one office.

Office staff and counselors see their office; a bureau administrator sees the offices of the
bureau; a superuser sees everything (`selectors.offices_for_staff`). `OfficeScopedAdmin` is the
base of every ModelAdmin of the project: its queryset, its foreign-key choices, its list
filters and its object look-ups are limited, and an object outside the scope is a 404, also
when its URL is typed by hand.

A model's scope is declared one way: `office_path`, the lookup from the model to the Office
or the Bureau it belongs to; a model whose rule is richer than one lookup (records of no
jobseeker, a notification's office) overrides `scope_q` and sets `office_path = None`.

Custom staff pages, exports and figures read rows only through `scoped_queryset` (or
`scoped_or_404` for one object): the rows of a model a user may read are, by definition, those
its ModelAdmin's list shows. A page that builds its own queryset is how an export once listed
another bureau's usage records while the list hid them. Custom pages check their permission
with `staff_page_require` and build their context with `staff_page_context`.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from .models import Bureau, Office, StaffProfile
from .selectors import offices_for_staff


def bureaus_for_staff(user) -> QuerySet[Bureau]:
    """The bureau a staff user belongs to (their profile's; every bureau for a superuser)."""
    if user.is_superuser:
        return Bureau.objects.all()
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Bureau.objects.none()
    return Bureau.objects.filter(pk=profile.bureau_id)


def office_scope_q(user, model: type[Model], path: str) -> Q:
    """The rows of `model` a staff user may read, `path` being its lookup to an Office or a
    Bureau ("" when `model` is Office or Bureau): the one scoping rule."""
    target = model if not path else get_fields_from_path(model, path)[-1].related_model
    lookup = f"{path}__in" if path else "pk__in"
    if target is Office:
        return Q(**{lookup: offices_for_staff(user)})
    if target is Bureau:
        return Q(**{lookup: bureaus_for_staff(user)})
    raise ImproperlyConfigured(f"{model.__name__}: {path!r} leads to neither Office nor Bureau.")


def scoped_choices(model: type[Model], user) -> QuerySet | None:
    """The objects of `model` a user may pick in a form, or None when the model is not scoped."""
    if model is Office:
        return offices_for_staff(user)
    if model is Bureau:
        return bureaus_for_staff(user)
    if model is get_user_model():
        users = get_user_model().objects.filter(is_staff=True)
        if user.is_superuser:
            return users
        profiles = StaffProfile.objects.filter(office__in=offices_for_staff(user))
        return users.filter(pk__in=profiles.values("user_id"))
    # A model of any app that belongs to one office (counselors, slots, reservations,
    # jobseekers, staff profiles…) by a foreign key named `office`.
    try:
        field = model._meta.get_field("office")
    except FieldDoesNotExist:
        return None
    if field.is_relation and field.related_model is Office:
        return model.objects.filter(office_scope_q(user, model, "office"))
    return None


class OfficeScopedAdmin(admin.ModelAdmin):
    """Base of every ModelAdmin: limits rows, choices and look-ups to the user's offices."""

    # The lookup from the model to the Office or the Bureau it belongs to ("" when the model
    # is Office or Bureau); None when the subclass overrides `scope_q` (a rule richer than one
    # lookup).
    office_path: str | None = "office"

    def scope_q(self, request: HttpRequest) -> Q:
        """The rows the user may read, as a condition; a superuser reads every row."""
        if self.office_path is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: office_path is None, so scope_q must be overridden."
            )
        if request.user.is_superuser:
            return Q()
        return office_scope_q(request.user, self.model, self.office_path)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(self.scope_q(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # The admin would redirect to its index with "does not exist"; a 404 says the same to
        # a person and nothing to someone probing other offices' ids.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_list_filter(self, request: HttpRequest):
        # A filter on a related field names only the values found in the rows the user sees
        # (Django's default lists every row of the related table: other bureaus' versions,
        # other offices' names).
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry):
        if isinstance(entry, str):
            name = entry
        elif isinstance(entry, tuple | list) and entry[1] is admin.RelatedFieldListFilter:
            name = entry[0]
        else:
            return entry  # a SimpleListFilter or a chosen filter class: it scopes itself
        try:
            field = get_fields_from_path(self.model, name)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if field.is_relation:
            return (name, admin.RelatedOnlyFieldListFilter)
        return entry

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OfficeScopedInline(admin.TabularInline):
    """Inline whose foreign-key choices are limited like its parent's."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def scoped_queryset(request: HttpRequest, model: type[Model]) -> QuerySet:
    """The rows of `model` the staff user may read: exactly those its admin list shows.

    The one way a custom page, an export or a figure reads records. A model with no ModelAdmin
    has no rule yet, and asking for it fails loudly (NotRegistered) rather than reading all.
    """
    return admin.site.get_model_admin(model).get_queryset(request)


def scoped_or_404(queryset: QuerySet, request: HttpRequest, **lookup):
    """One object of `queryset` among those the user may read (`scoped_queryset`); else 404.

    `queryset` only adds joins (select_related) and conditions; the scope is the model's.
    """
    scope = scoped_queryset(request, queryset.model).values("pk")
    obj = queryset.filter(pk__in=scope, **lookup).first()
    if obj is None:
        raise Http404
    return obj


def staff_page_require(request: HttpRequest, perm: str) -> None:
    """A custom staff page's permission check: PermissionDenied (403) without `perm`."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def staff_page_context(
    request: HttpRequest, title, *, model: type[Model] | None = None, **extra
) -> dict:
    """The context of a custom staff page: the admin's (with the look and the sidebar), the
    title, and `opts` of `model` for the breadcrumbs."""
    context = {**admin.site.each_context(request), "title": title}
    if model is not None:
        context["opts"] = model._meta
    return {**context, **extra}
