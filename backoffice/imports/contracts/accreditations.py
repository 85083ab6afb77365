"""Accreditations taken over from the old system (`habilitations`), with their dated status history."""

from __future__ import annotations

from typing import Any

from .base import Checker, Contract


class AccreditationsContract(Contract):
    key = "habilitations"
    label = "Habilitations (reprise de l'historique)"

    def checker(self, job: Any, *, applying: bool) -> Checker:
        raise NotImplementedError  # TODO(helper A)
