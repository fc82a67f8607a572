from django.urls import path

from . import terms

app_name = "consent"

urlpatterns = [
    path("terms/", terms.terms_index, name="terms_index"),
    path("terms/version/<int:pk>/", terms.terms_version, name="terms_version"),
    path("terms/<slug:bureau>/", terms.terms, name="terms"),
    path("privacy/", terms.privacy, name="privacy"),
    path("accessibility/", terms.accessibility, name="accessibility"),
]
