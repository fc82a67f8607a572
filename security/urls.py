from django.urls import path

from . import views

urlpatterns = [
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
]
