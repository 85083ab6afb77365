"""URLs of the certificate pages and of the public verification page."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
