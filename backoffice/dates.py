"""Every admin form and date hierarchy keeps to the typed-date range (`core.dates`).

`sensible_dates_everywhere` makes every ModelAdmin and inline registered on the site a
`SensibleDatesAdmin` — the project's own and those of django-otp, django-axes and
django.contrib.auth alike — so that no admin page, now or added later, has to remember it.
"""

import functools

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from core.dates import date_range, sensible_dates_form


class SensibleDatesAdmin:
    """Mixin of every ModelAdmin and inline: the forms they build are `SensibleDatesForm`s
    (closed days, weekly patterns, slots, terms versions, users…), and their date hierarchy
    keeps to the range."""

    def get_form(self, request, obj=None, *args, **kwargs):
        # The form the admin built (UserAdmin's add form included), with the check added.
        return sensible_dates_form(super().get_form(request, obj, *args, **kwargs))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = sensible_dates_form(formset.form)
        return formset

    def get_changelist(self, request, **kwargs):
        return SensibleDatesChangeList


class SensibleDatesChangeList(ChangeList):
    """The date hierarchy's year in the query string lies within the typed-date range.

    Django's ChangeList computes the end of the chosen period by adding a day, a month or a
    year: `?starts_at__year=9999&starts_at__month=12` overflows. Out of range is an incorrect
    lookup like any other (the admin answers with its "?e=1" page).
    """

    def get_filters(self, request):
        if self.date_hierarchy:
            first, last = date_range()
            for raw in request.GET.getlist(f"{self.date_hierarchy}__year"):
                try:
                    year = int(raw)
                except ValueError:
                    raise IncorrectLookupParameters(raw) from None
                if not first.year <= year <= last.year:
                    raise IncorrectLookupParameters(raw)
        return super().get_filters(request)


@functools.cache
def _sensible(admin_class: type) -> type:
    if issubclass(admin_class, SensibleDatesAdmin):
        return admin_class
    return type(
        admin_class.__name__,
        (SensibleDatesAdmin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


def sensible_dates_everywhere(site) -> None:
    """Make every ModelAdmin registered on `site`, and each of its inlines, a
    SensibleDatesAdmin (called once every app's admin module has registered)."""
    for model_admin in site._registry.values():
        model_admin.__class__ = _sensible(type(model_admin))
        model_admin.inlines = [_sensible(inline) for inline in model_admin.inlines]
