"""The Caisse des Dépôts' "accrochage certificateur" XML, without the database: the file written
for the training-account system (writer), its check against the schema (validation), and the processing
receipt the CDC sends back (receipts). Standard library and lxml only: the services feed it plain values.

docs/accrochage-cdc.md holds the known facts; schemas/ the project's rendering of the CDC's schema."""

from __future__ import annotations

from casefiles.cdc.formats import CDC_SCHEMA_VERSION, NAMESPACE, RECEIPT_NAMESPACE
from casefiles.cdc.receipts import Outcome, Receipt, ReceiptError, Rejection, build_receipt, read_receipt
from casefiles.cdc.validation import load_schema, validate_flux
from casefiles.cdc.writer import CertificationRef, FluxError, FluxHeader, Passage, write_flux

__all__ = [
    "CDC_SCHEMA_VERSION",
    "NAMESPACE",
    "RECEIPT_NAMESPACE",
    "CertificationRef",
    "FluxError",
    "FluxHeader",
    "Outcome",
    "Passage",
    "Receipt",
    "ReceiptError",
    "Rejection",
    "build_receipt",
    "load_schema",
    "read_receipt",
    "validate_flux",
    "write_flux",
]
