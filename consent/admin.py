from django.contrib import admin

from .models import Consent, TermsVersion


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["label", "bureau", "effective_from", "published_at"]
    list_filter = ["bureau"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["jobseeker", "terms_version", "given_at", "channel"]
    list_select_related = ["jobseeker", "terms_version"]
    list_filter = ["terms_version", "channel"]
    search_fields = ["jobseeker__number"]
