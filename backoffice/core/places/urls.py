"""The lists proposed while typing a place of birth (JSON, login required)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "places"

urlpatterns: list[URLPattern] = [
    path("communes/", views.communes, name="communes"),
    path("pays/", views.countries, name="pays"),
]
