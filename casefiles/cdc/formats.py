"""The CDC's XML formats as data: namespaces, the schema version, the schema files, and the safe parser
options every reading of a file uses (no entity expansion, no network, libxml2's size limits kept)."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

# The version of the CDC's "accrochage" schema the back-office writes; the settings may name another one
# once its file sits in schemas/ (accrochage-<version>.xsd, accuse-traitement-<version>.xsd).
CDC_SCHEMA_VERSION = "1.1.2"

NAMESPACE = "urn:cdc:cpf:pc5:schema:1.0.0"
# Our assumption (schemas/accuse-traitement-1.1.2.xsd): the receipt has a namespace of its own.
RECEIPT_NAMESPACE = "urn:cdc:cpf:pc5:accuse:1.0.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# Every file the back-office reads comes from outside (a hand-edited flux, a receipt downloaded from the
# CDC's portal): entities stay unexpanded, nothing is fetched, libxml2's limits on a text's size hold.
SAFE_PARSING = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


def schema_path(kind: str, version: str) -> Path:
    """The file of a schema: kind is "accrochage" or "accuse-traitement"."""
    path = SCHEMA_DIR / f"{kind}-{version}.xsd"
    if not path.is_file():
        raise ValueError(
            f"Schéma {kind} {version} introuvable : le fichier {path.name} manque dans {SCHEMA_DIR}."
        )
    return path


@functools.cache
def load_xsd(kind: str, version: str) -> etree.XMLSchema:
    """A schema, parsed once per process."""
    document = etree.parse(str(schema_path(kind, version)), etree.XMLParser(**SAFE_PARSING))
    return etree.XMLSchema(document)


def qname(local: str, namespace: str = NAMESPACE) -> str:
    """An element's name in lxml's Clark notation: {namespace}local."""
    return f"{{{namespace}}}{local}"
