"""What Django's admin writes in English whatever the language, said in the user's language.

Django's admin gives its yes/no/unknown icons the alt text "True", "False" and "None" (Python's
words, not translated); the screen reader reads them out on a Japanese page. The icons keep
Django's images and get translated alt text. The other English strings of Django's admin
templates are overridden in templates/admin/ (the search icon's "Search"), and the strings its
catalogs leave untranslated in Japanese ("- Select an option -", "Filter by …") are in
locale/ja/LC_MESSAGES/django.po.
"""

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val) -> str:
    label = {True: _("Yes"), False: _("No"), None: _("Unknown")}[field_val]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{ICONS[field_val]}.svg"), label
    )


def translated_boolean_icons() -> None:
    """Make every caller of Django's `_boolean_icon` (lists, read-only fields) use ours: they
    import it from admin_list when they run, so replacing it there reaches them all."""
    from django.contrib.admin.templatetags import admin_list

    admin_list._boolean_icon = boolean_icon
