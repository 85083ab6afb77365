"""What the task views of both processes share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect


class ServiceFormMixin:
    """Run the service and the activation in one transaction; a refused input shows its French message."""

    def run_service(self, form: Any) -> None:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            with transaction.atomic():
                self.run_service(form)
                self.request.activation.execute()  # type: ignore[attr-defined]
        except (ValidationError, PermissionDenied) as error:  # refused: nothing saved, the task stays open
            for message in getattr(error, "messages", [str(error)]):
                form.add_error(None, message)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        return HttpResponseRedirect(self.get_success_url())  # type: ignore[attr-defined]
