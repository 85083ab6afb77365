from __future__ import annotations

from django import forms

CODE_FORMAT = "Saisissez les 6 chiffres affichés par votre application d'authentification."


class TokenForm(forms.Form):
    otp_token = forms.RegexField(
        label="Code à 6 chiffres",
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={"invalid": CODE_FORMAT, "required": CODE_FORMAT},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self) -> str:
        return self.cleaned_data["otp_token"].strip()
