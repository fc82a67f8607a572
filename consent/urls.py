from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("terms/", views.terms_index, name="terms_index"),
    path("terms/version/<int:pk>/", views.terms_version, name="terms_version"),
    path("terms/<slug:bureau>/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
