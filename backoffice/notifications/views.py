"""The person's notifications page (/notifications/): their in-app notifications, marking them read, and
how they want their emails. Every signed-in person has one; nobody sees or marks another person's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from . import selectors, services
from .models import EmailMode

PAGE_SIZE = 50
CONFIRMATIONS = {
    EmailMode.IMMEDIATE: "Préférence enregistrée : un courriel dès qu'il se passe quelque chose.",
    EmailMode.DIGEST: "Préférence enregistrée : un récapitulatif par jour par courriel.",
}


class EmailModeForm(forms.Form):
    email_mode = forms.ChoiceField(
        label="Courriels", choices=EmailMode.choices, widget=forms.RadioSelect, initial=EmailMode.IMMEDIATE
    )


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, unread ones marked; looking does not mark them read."""
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    form = EmailModeForm(initial={"email_mode": selectors.email_mode_for(request.user)})
    return TemplateResponse(request, "notifications/list.html", {"page": page, "form": form})


@require_POST
def mark_one_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Another person's notification is a 404: its id reveals and changes nothing."""
    notification = selectors.get_notification_for(request.user, pk)
    services.mark_read(request.user, ids=[notification.pk])
    return back_to_list(request)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.mark_read(request.user)
    if marked == 1:
        messages.success(request, "1 notification marquée comme lue.")
    elif marked:
        messages.success(request, f"{marked} notifications marquées comme lues.")
    return back_to_list(request)


@require_POST
def save_preferences(request: HttpRequest) -> HttpResponse:
    """The email preference, saved by the service, confirmed in French."""
    form = EmailModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez quand recevoir vos courriels.")
        return back_to_list(request)
    mode = EmailMode(form.cleaned_data["email_mode"])
    services.set_email_mode(request.user, mode)
    messages.success(request, CONFIRMATIONS[mode])
    return back_to_list(request)


def back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the page of the list the person was on."""
    page = request.POST.get("page", "")
    list_url = reverse("notifications:index")
    return HttpResponseRedirect(f"{list_url}?page={page}" if page.isdigit() and page != "1" else list_url)


class NotificationsApp(Application):
    title = "Notifications"
    icon = "notifications"
    app_name = "notifications"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", notification_list, name="index")
    mark_all_read_path = path("tout-marquer-lu/", mark_all_read, name="mark_all_read")
    mark_one_read_path = path("<int:pk>/marquer-lu/", mark_one_read, name="mark_read")
    preferences_path = path("preferences/", save_preferences, name="preferences")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(getattr(user, "is_authenticated", False))
