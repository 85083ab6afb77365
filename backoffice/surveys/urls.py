from __future__ import annotations

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("<str:token>/", views.answer_page, name="answer"),
    path("<str:token>/merci/", views.thanks_page, name="thanks"),
    path("<str:token>/desinscription/", views.opt_out_page, name="opt_out"),
]
