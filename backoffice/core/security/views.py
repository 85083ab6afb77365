"""The two-factor pages: enrol an authentication app, and the code asked after the password."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from backoffice.core.accounts.types import actor_of

from . import services
from .forms import TokenForm
from .sessions import SECOND_FACTOR_DUE

PENDING_KEY = "security.totp_pending_key"


def two_factor(request: HttpRequest) -> HttpResponse:
    """Status of one's second factor; enrol (QR code, then a code) or turn it off (a code)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            try:
                services.remove_totp_devices(
                    request.user, token=form.cleaned_data["otp_token"], actor=actor_of(request)
                )
            except ValidationError as error:
                form.add_error("otp_token", error)
            else:
                request.session[SECOND_FACTOR_DUE] = False
                messages.success(request, "La double authentification est désactivée.")
                return redirect("two_factor")
        return render(request, "security/two_factor.html", {"device": device, "form": form})

    key = request.session.get(PENDING_KEY) or default_key()
    request.session[PENDING_KEY] = key
    if request.method == "POST" and form.is_valid():
        try:
            device = services.enrol_totp_device(
                request.user, key=key, token=form.cleaned_data["otp_token"], actor=actor_of(request)
            )
        except ValidationError as error:
            form.add_error("otp_token", error)
        else:
            del request.session[PENDING_KEY]
            otp_login(request, device)
            request.session[SECOND_FACTOR_DUE] = True
            messages.success(
                request, "Double authentification activée : elle vous sera demandée à chaque connexion."
            )
            return redirect("two_factor")
    pending = TOTPDevice(user=request.user, key=key)
    qr_code = segno.make(pending.config_url, error="m").svg_inline(scale=4, light="#fff")
    context = {
        "form": form,
        "qr_code": mark_safe(qr_code),  # noqa: S308 (segno's SVG of our own otpauth URL)
        "secret": _grouped(pending.bin_key),
    }
    return render(request, "security/two_factor.html", context)


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login, for a person with a confirmed device."""
    home = resolve_url(settings.LOGIN_REDIRECT_URL)
    next_url = request.POST.get("next") or request.GET.get("next") or home
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = home
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:  # removed by an administrator meanwhile: nothing left to ask
        request.session[SECOND_FACTOR_DUE] = False
        return redirect(next_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("otp_token", services.WRONG_CODE)
    return render(request, "security/two_factor_verify.html", {"form": form, "next": next_url})


def _grouped(key: bytes) -> str:
    """The secret in base32, by groups of four, for typing it when the QR code cannot be scanned."""
    from base64 import b32encode

    text = b32encode(key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class PasswordResetView(auth_views.PasswordResetView):
    @property
    def extra_email_context(self) -> dict[str, int]:  # type: ignore[override]
        return {"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.record_password_reset(form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.record_password_change(form.user)
        return response
