"""The CDC's processing receipt ("accusé de traitement") of a deposited file, read safely and turned into
what happened to each passage: accepted, or rejected with the CDC's message.

"Already exists" comes as a rejection (code DOUBLON, « Ce passage de certification existe déjà ») and counts
as an acceptance: the holder's account already shows the certification. The receipt's shape is our
assumption until a real one is seen (schemas/accuse-traitement-1.1.2.xsd)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from lxml import etree

from casefiles.cdc.formats import CDC_SCHEMA_VERSION, RECEIPT_NAMESPACE, SAFE_PARSING, load_xsd, qname
from casefiles.cdc.messages import french

ALREADY_EXISTS_CODE = "DOUBLON"
ALREADY_EXISTS_MESSAGE = "Ce passage de certification existe déjà"
NOT_A_RECEIPT = (
    "Ce fichier n'est pas un accusé de traitement de la Caisse des Dépôts (élément racine « {found} » ; "
    "attendu : « accuseTraitement » de l'espace de noms {namespace})."
)
# French hints for the CDC's usual rejections; the CDC's own message is kept as it is beside them.
_HINTS = (
    (
        "aucun titulaire ne correspond",
        "La personne n'a pas été trouvée au répertoire national (SNGI) : vérifiez le nom de naissance, "
        "le premier prénom, le sexe, la date et le lieu de naissance (code INSEE de la commune, ou pays).",
    ),
    (
        "plusieurs titulaires",
        "Plusieurs personnes correspondent : complétez la date et le lieu de naissance pour les départager.",
    ),
    ("existe déjà", "Déjà présent sur le compte du titulaire : compté comme accepté."),
)


class ReceiptError(ValueError):
    """A file that cannot be read as a receipt, said in French for the person who uploaded it."""


@dataclass(frozen=True)
class Rejection:
    """A passage the CDC refused: its idTechnique, the CDC's code and message (as written)."""

    id_technique: str
    code: str
    message: str

    @property
    def already_exists(self) -> bool:
        """The passage is already on the holder's account: not an error."""
        return self.code.upper() == ALREADY_EXISTS_CODE or "existe déjà" in self.message.casefold()

    @property
    def explanation(self) -> str:
        """What to do, in French, when the CDC's message is terse; its own message otherwise."""
        lowered = self.message.casefold()
        return next((hint for marker, hint in _HINTS if marker in lowered), self.message)


@dataclass(frozen=True)
class Outcome:
    """What became of one passage: accepted (an "already exists" included) or rejected with its rejection."""

    accepted: bool
    rejection: Rejection | None = None


@dataclass(frozen=True)
class Receipt:
    """A processing receipt: which file, when, and the passages accepted and rejected."""

    id_flux: str
    file_name: str
    processed_on: dt.datetime
    accepted: tuple[str, ...]
    rejected: tuple[Rejection, ...]

    def outcomes(self) -> dict[str, Outcome]:
        """Each idTechnique's outcome; an "already exists" rejection counts as accepted."""
        outcomes = {id_technique: Outcome(accepted=True) for id_technique in self.accepted}
        for rejection in self.rejected:
            outcomes[rejection.id_technique] = Outcome(accepted=rejection.already_exists, rejection=rejection)
        return outcomes


def read_receipt(source: bytes | IO[bytes], *, version: str = CDC_SCHEMA_VERSION) -> Receipt:
    """The receipt in these bytes (or this binary file); ReceiptError says in French why it cannot be read."""
    content = source if isinstance(source, bytes) else source.read()
    root = _parse(content)
    if root.tag != qname("accuseTraitement", RECEIPT_NAMESPACE):
        raise ReceiptError(
            NOT_A_RECEIPT.format(found=etree.QName(root).localname, namespace=RECEIPT_NAMESPACE)
        )
    schema = load_xsd("accuse-traitement", version)
    if not schema.validate(root):
        first = schema.error_log[0]
        raise ReceiptError(f"Accusé de traitement mal formé (ligne {first.line}) : {french(first.message)}")
    receipt = _receipt(root)
    _refuse_repeated_ids(receipt)
    return receipt


def _parse(content: bytes) -> etree._Element:
    if not content.strip():
        raise ReceiptError("Le fichier est vide : ce n'est pas un accusé de traitement.")
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ReceiptError(
            "Ce fichier n'est pas un fichier XML : l'accusé de traitement de la Caisse des Dépôts en est un."
        )
    if b"<!DOCTYPE" in content:
        # A receipt has no DTD; one may declare entities (XXE, "billion laughs"): refused before parsing.
        raise ReceiptError("Ce fichier contient une déclaration de type de document (DTD) : il n'est pas lu.")
    parser = etree.XMLParser(**SAFE_PARSING, dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ReceiptError(_syntax_message(error, content)) from None
    if root.getroottree().docinfo.internalDTD is not None:
        # Belt and braces: a DTD the byte search missed (another encoding) is refused too.
        raise ReceiptError("Ce fichier contient une déclaration de type de document (DTD) : il n'est pas lu.")
    return root


def _syntax_message(error: etree.XMLSyntaxError, content: bytes) -> str:
    if _stops_short(content):
        return (
            f"L'accusé de traitement est incomplet (tronqué vers la ligne {error.lineno}) : "
            "téléchargez-le à nouveau depuis le portail de la Caisse des Dépôts."
        )
    return f"Ce fichier n'est pas un XML valide (ligne {error.lineno} : {error.msg})."


def _stops_short(content: bytes) -> bool:
    """Whether the content is the beginning of a well-formed document: then only its end is missing."""
    parser = etree.XMLPullParser(**SAFE_PARSING)
    try:
        parser.feed(content)
    except etree.XMLSyntaxError:
        return False
    return True


def _moment(value: str) -> dt.datetime:
    """xs:dateTime admits moments Python does not (24:00:00, years past 9999): said, never a crash."""
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ReceiptError(f"Date de traitement illisible dans l'accusé : « {value[:40]} ».") from None


def _receipt(root: etree._Element) -> Receipt:
    def text(element: etree._Element, name: str) -> str:
        return (element.findtext(qname(name, RECEIPT_NAMESPACE)) or "").strip()

    accepted = f"{qname('passagesAcceptes', RECEIPT_NAMESPACE)}/{qname('passage', RECEIPT_NAMESPACE)}"
    rejected = f"{qname('passagesRejetes', RECEIPT_NAMESPACE)}/{qname('passage', RECEIPT_NAMESPACE)}"
    return Receipt(
        id_flux=text(root, "idFlux"),
        file_name=text(root, "nomFichier"),
        processed_on=_moment(text(root, "dateTraitement")),
        accepted=tuple(text(passage, "idTechnique") for passage in root.iterfind(accepted)),
        rejected=tuple(
            Rejection(
                text(passage, "idTechnique"), text(passage, "codeErreur"), text(passage, "libelleErreur")
            )
            for passage in root.iterfind(rejected)
        ),
    )


def _refuse_repeated_ids(receipt: Receipt) -> None:
    seen: set[str] = set()
    for id_technique in [*receipt.accepted, *(rejection.id_technique for rejection in receipt.rejected)]:
        if id_technique in seen:
            raise ReceiptError(
                f"Le passage « {id_technique} » figure deux fois dans l'accusé de traitement : "
                "son sort serait ambigu, l'accusé n'est pas enregistré. Signalez-le à la Caisse des Dépôts."
            )
        seen.add(id_technique)


def build_receipt(
    *,
    id_flux: str,
    file_name: str,
    accepted: Iterable[str],
    rejected: Iterable[Rejection | tuple[str, str, str]],
    processed_on: dt.datetime,
) -> bytes:
    """A receipt as the CDC would send it (our assumed shape): for the tests and the demo's simulated CDC."""

    def child(parent: etree._Element, name: str, value: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, qname(name, RECEIPT_NAMESPACE))
        element.text = value
        return element

    root = etree.Element(qname("accuseTraitement", RECEIPT_NAMESPACE), nsmap={None: RECEIPT_NAMESPACE})
    child(root, "idFlux", id_flux)
    child(root, "nomFichier", file_name)
    child(root, "dateTraitement", processed_on.replace(microsecond=0).isoformat())
    accepted_list = child(root, "passagesAcceptes")
    for id_technique in accepted:
        child(child(accepted_list, "passage"), "idTechnique", id_technique)
    rejected_list = child(root, "passagesRejetes")
    for rejection in rejected:
        id_technique, code, message = (
            (rejection.id_technique, rejection.code, rejection.message)
            if isinstance(rejection, Rejection)
            else rejection
        )
        passage = child(rejected_list, "passage")
        child(passage, "idTechnique", id_technique)
        child(passage, "codeErreur", code)
        child(passage, "libelleErreur", message)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
