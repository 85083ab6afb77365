"""Certificates issued before go-live (`certificats_historiques`), with their numbers as issued."""

from __future__ import annotations

from typing import Any

from .base import Checker, Contract


class HistoricalCertificatesContract(Contract):
    key = "certificats_historiques"
    label = "Certificats délivrés avant la mise en service (reprise)"

    def checker(self, job: Any, *, applying: bool) -> Checker:
        raise NotImplementedError  # TODO(helper B)
