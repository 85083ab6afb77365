"""Checks a written "accrochage" file against the CDC's schema before a person deposits it: a file that
fails the schema is rejected whole by the CDC ("inexploitable").

The check streams (`iterparse` with the schema, each passage dropped once read): a file of 200,000 passages
costs the memory of one. libxml2 gives no line number to a schema error met while streaming, so a file that
fails is read a second time, passage by passage, each one validated inside a copy of its ancestors (the file's
header, its certification): that gives every problem (up to a limit) with its line and its idTechnique."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator

from lxml import etree

from casefiles.cdc.formats import CDC_SCHEMA_VERSION, SAFE_PARSING, load_xsd, qname
from casefiles.cdc.messages import french

MAX_MESSAGES = 50
_PASSAGE = qname("passageCertification")
_ROOT_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?flux>\s*\Z")


def load_schema(version: str = CDC_SCHEMA_VERSION) -> etree.XMLSchema:
    """The CDC's "accrochage" schema of this version (schemas/accrochage-<version>.xsd), parsed once."""
    return load_xsd("accrochage", version)


def validate_flux(path: str | os.PathLike[str], *, version: str = CDC_SCHEMA_VERSION) -> list[str]:
    """The file's problems against the schema, in French with their line; an empty list for a valid file."""
    schema = load_schema(version)
    try:
        for _, passage in etree.iterparse(
            os.fspath(path), events=("end",), tag=_PASSAGE, schema=schema, **SAFE_PARSING
        ):
            _release(passage)
    except etree.XMLSyntaxError as error:
        streamed = french(error.msg)
    else:
        if _ends_with_root(path):
            return []
        streamed = "le fichier s'arrête avant la fin de l'élément « flux » (tronqué)."
    return _locate(path, schema) or [f"Fichier : {streamed}"]


def _ends_with_root(path: str | os.PathLike[str]) -> bool:
    """Whether the file ends by closing its root: with a schema, lxml reads a file that stops short as if
    its open elements closed there (libxml2 2.x), so a truncated file would pass."""
    with open(path, "rb") as file:
        file.seek(max(0, os.path.getsize(path) - 256))
        return bool(_ROOT_END.search(file.read()))


def _locate(path: str | os.PathLike[str], schema: etree.XMLSchema) -> list[str]:
    """The problems with their lines, found by validating each passage in a copy of its ancestors."""
    messages: list[str] = []
    try:
        for _, passage in etree.iterparse(os.fspath(path), events=("end",), tag=_PASSAGE, **SAFE_PARSING):
            for message in _problems(passage, schema):
                if message not in messages:
                    messages.append(message)
            if len(messages) >= MAX_MESSAGES:
                messages.append(f"… et peut-être d'autres : la liste s'arrête à {MAX_MESSAGES} problèmes.")
                break
            _release(passage)
    except etree.XMLSyntaxError as error:
        where = f"Ligne {error.lineno}" if error.lineno else "Fichier"
        messages.append(f"{where} : le fichier n'est pas un XML complet et bien formé ({error.msg}).")
    return messages


def _problems(passage: etree._Element, schema: etree.XMLSchema) -> Iterator[str]:
    if schema.validate(_with_ancestors(passage)):
        return
    id_technique = passage.findtext(qname("idTechnique"))
    for entry in schema.error_log:
        where = f"Ligne {entry.line}"
        # An error in the file's header or in the certification is said once, not once per passage.
        if id_technique and entry.line >= (passage.sourceline or 0):
            where += f" (passage « {id_technique} »)"
        yield f"{where} : {french(entry.message)}"


def _with_ancestors(passage: etree._Element) -> etree._Element:
    """A document holding this passage and, around it, copies of its ancestors with their own values (the
    file's idFlux, the certifier, the certification's type and code), so that the schema checks them too.
    Earlier siblings of the same kind (the certifications already read) are left out."""
    chain = [*reversed(list(passage.iterancestors())), passage]
    root = parent = None
    for element, child in zip(chain, [*chain[1:], None], strict=True):
        if child is None:
            clone = copy.deepcopy(element)
        else:
            clone = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
            clone.sourceline = element.sourceline
            for sibling in element:
                if sibling is child:
                    break
                if sibling.tag != child.tag:
                    clone.append(copy.deepcopy(sibling))
        if parent is None:
            root = clone
        else:
            parent.append(clone)
        parent = clone
    assert root is not None
    return root


def _release(passage: etree._Element) -> None:
    """Drops a passage read and the ones before it, so that memory stays that of one passage."""
    passage.clear(keep_tail=True)
    parent = passage.getparent()
    if parent is not None:
        while passage.getprevious() is not None:
            del parent[0]
