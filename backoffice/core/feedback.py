"""Posted actions report back to the person as a message: the service's French refusal, or the success."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


@contextmanager
def reported(request: HttpRequest, success: str) -> Iterator[None]:
    """Run the block; a refusal (nothing was changed) becomes an error message, else `success` is shown."""
    try:
        yield
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, success)
