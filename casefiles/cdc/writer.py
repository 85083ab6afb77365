"""The "accrochage" file written as a stream: one passage at a time goes from the caller's iterable to the
file, so that a file of 200,000 holders (the CDC's limit) costs the memory of one holder.

The dataclasses check what the schema checks (lengths, codes, enumerations) when they are built, so that a
bad holder is refused with its idTechnique and a French message before the file is deposited and rejected
whole by the CDC ("inexploitable"). The writer trusts them; the schema is the last word (validation.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

from casefiles.cdc.formats import NAMESPACE, XSI, qname

PROGRESS_EVERY = 1_000

ACCESS_MODES = frozenset(
    {
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "FORMATION_INITIALE_APPRENTISSAGE",
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "VAE",
        "EQUIVALENCE_DIPLOME_ETRANGER",
        "CANDIDAT_LIBRE",
    }
)
CERTIFICATION_TYPES = frozenset({"RS", "RNCP"})
# How much of a birth date is known: a person born abroad may have only a year (month and day are nil).
BIRTH_DATE_PRECISIONS = frozenset({"day", "month", "year"})

_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_POSTAL = re.compile(r"[0-9]{5}")
_COUNTRY = re.compile(r"[0-9]{3}")
_URL = re.compile(r"https?://[^\s<>\"]+")
_NIL = {qname("nil", XSI): "true"}


class FluxError(ValueError):
    """A value the CDC's schema would refuse, said in French (with the passage's idTechnique if any)."""


def clean_text(value: str, *, label: str, maximum: int) -> str:
    """A name or a label as the file holds it: runs of spaces made one, 1 to `maximum` characters, and no
    character XML 1.0 cannot carry.

    Any letter of any script passes (Nguyễn, Łukasz, Ørsted); a control character, a lone surrogate or a
    non-character (U+FFFE) is refused rather than dropped, since a name silently changed would not match
    the national register."""
    text = " ".join(value.split())
    _check_raw(text, label=label, maximum=maximum)
    return text


def _check_raw(text: str, *, label: str, maximum: int) -> None:
    """An identifier written as given: 1 to `maximum` characters XML can carry."""
    for char in text:
        if unicodedata.category(char) in {"Cc", "Cs", "Cn"} and char not in "\t\n\r":
            raise FluxError(
                f"{label} : le caractère U+{ord(char):04X} ne peut pas être transmis (« {text[:40]!r} »)."
            )
    if not 1 <= len(text) <= maximum:
        raise FluxError(f"{label} : {len(text)} caractères (« {text[:40]} »), il en faut de 1 à {maximum}.")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise FluxError(message)


@dataclass(frozen=True)
class FluxHeader:
    """The file's identity: its id (unique per file), when it was made, and the certifier's CDC account."""

    id_flux: str
    timestamp: dt.datetime
    id_client: str
    id_contrat: str

    def __post_init__(self) -> None:
        _check_raw(self.id_flux, label="idFlux", maximum=50)
        _require(
            self.timestamp.utcoffset() is not None, "horodatage : la date et l'heure doivent avoir un fuseau."
        )
        _require(len(self.id_client) == 8, f"idClient : 8 caractères attendus, « {self.id_client} » reçu.")
        _check_raw(self.id_contrat, label="idContrat", maximum=20)


@dataclass(frozen=True)
class CertificationRef:
    """The certification the passages belong to, as the CDC's repertoires name it (RS + its code)."""

    code: str
    type: str = "RS"

    def __post_init__(self) -> None:
        _require(
            self.type in CERTIFICATION_TYPES, f"type de certification « {self.type} » : RS ou RNCP attendu."
        )
        _check_raw(self.code, label="code de la certification", maximum=20)


@dataclass(frozen=True)
class Passage:
    """One holder and one award. The birth place is one of: an INSEE commune code, a postal code, or a
    country code (3 digits, for a person born abroad)."""

    id_technique: str
    awarded_on: dt.date
    url_preuve: str
    birth_name: str
    first_names: tuple[str, ...]
    birth_date: dt.date
    sex: str
    usual_name: str = ""
    birth_date_precision: str = "day"
    birth_commune_code: str = ""
    birth_postal_code: str = ""
    birth_commune_label: str = ""
    birth_country_code: str = ""
    birth_country_label: str = ""
    access_mode: str | None = None
    exam_started_on: dt.date | None = None
    exam_ended_on: dt.date | None = None

    def __post_init__(self) -> None:
        try:
            self._check()
        except FluxError as error:
            raise FluxError(f"Passage {self.id_technique[:60]!r} — {error}") from None

    def _check(self) -> None:
        _check_raw(self.id_technique, label="idTechnique", maximum=255)
        _require(
            not self.url_preuve or bool(_URL.fullmatch(self.url_preuve)),
            "urlPreuve : adresse http(s) attendue.",
        )
        clean_text(self.birth_name, label="nom de naissance", maximum=60)
        if self.usual_name:
            clean_text(self.usual_name, label="nom d'usage", maximum=60)
        _require(
            1 <= len(self.first_names) <= 3, f"prénoms : de 1 à 3 attendus, {len(self.first_names)} reçus."
        )
        for first_name in self.first_names:
            clean_text(first_name, label="prénom", maximum=60)
        _require(self.sex in {"M", "F"}, f"sexe « {self.sex} » : M ou F attendu.")
        _require(
            self.birth_date_precision in BIRTH_DATE_PRECISIONS, "précision de la date de naissance inconnue."
        )
        self._check_birth_place()
        _require(
            self.access_mode is None or self.access_mode in ACCESS_MODES, f"modalité « {self.access_mode} »."
        )

    def _check_birth_place(self) -> None:
        places = [
            code
            for code in (self.birth_commune_code, self.birth_postal_code, self.birth_country_code)
            if code
        ]
        _require(
            len(places) == 1,
            "lieu de naissance : un seul code attendu (commune INSEE, code postal ou pays).",
        )
        for code, pattern, label in (
            (self.birth_commune_code, _INSEE, "code commune INSEE (5 caractères, 2A/2B pour la Corse)"),
            (self.birth_postal_code, _POSTAL, "code postal (5 chiffres)"),
            (self.birth_country_code, _COUNTRY, "code pays (3 chiffres)"),
        ):
            _require(not code or bool(pattern.fullmatch(code)), f"« {code} » n'est pas un {label}.")
        if self.birth_commune_label:
            _require(
                not self.birth_country_code, "un libellé de commune accompagne un code commune, pas un pays."
            )
            clean_text(self.birth_commune_label, label="commune de naissance", maximum=100)
        if self.birth_country_label:
            _require(bool(self.birth_country_code), "un libellé de pays accompagne un code pays.")
            clean_text(self.birth_country_label, label="pays de naissance", maximum=100)


def write_flux(
    target: str | os.PathLike[str] | IO[bytes],
    *,
    header: FluxHeader,
    certifications: Iterable[tuple[CertificationRef, Iterable[Passage]]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Writes the file of these certifications' passages; returns how many passages it holds.

    The iterables are read once, lazily; a certification without passages is left out (the schema wants one
    at least), a file without any is refused before anything is written, and so is an idTechnique seen twice
    (the receipt names passages by it)."""
    groups = _non_empty(certifications)
    first = next(groups, None)
    if first is None:
        raise FluxError("Aucun passage à transmettre : le fichier n'est pas écrit.")
    sink = os.fspath(target) if isinstance(target, str | os.PathLike) else target
    counter = _Counter(progress)
    with etree.xmlfile(sink, encoding="UTF-8") as xf:
        xf.write_declaration()
        with _open(xf, "flux", 0, nsmap={None: NAMESPACE, "xsi": XSI}):
            _leaf(xf, "idFlux", header.id_flux, indent=1)
            _leaf(xf, "horodatage", _timestamp(header.timestamp), indent=1)
            with _open(xf, "emetteur", 1):
                _leaf(xf, "idClient", header.id_client, indent=2)
                with _open(xf, "certificateurs", 2), _open(xf, "certificateur", 3):
                    _leaf(xf, "idClient", header.id_client, indent=4)
                    _leaf(xf, "idContrat", header.id_contrat, indent=4)
                    with _open(xf, "certifications", 4):
                        for ref, passages in itertools.chain([first], groups):
                            _write_certification(xf, ref, passages, counter)
    return counter.written


class _Counter:
    """The passages written so far: reports progress, refuses an idTechnique seen twice."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.written = 0
        self._progress = progress
        self._seen: set[str] = set()

    def add(self, passage: Passage) -> None:
        if passage.id_technique in self._seen:
            raise FluxError(
                f"Passage {passage.id_technique!r} : cet idTechnique figure deux fois dans le fichier."
            )
        self._seen.add(passage.id_technique)
        self.written += 1
        if self._progress is not None and self.written % PROGRESS_EVERY == 0:
            self._progress(self.written)


def _non_empty(
    certifications: Iterable[tuple[CertificationRef, Iterable[Passage]]],
) -> Iterator[tuple[CertificationRef, Iterator[Passage]]]:
    for ref, passages in certifications:
        iterator = iter(passages)
        head = next(iterator, None)
        if head is not None:
            yield ref, itertools.chain([head], iterator)


def _write_certification(
    xf: Any, ref: CertificationRef, passages: Iterable[Passage], counter: _Counter
) -> None:
    with _open(xf, "certification", 5):
        _leaf(xf, "type", ref.type, indent=6)
        _leaf(xf, "code", ref.code, indent=6)
        _leaf(xf, "natureDeposant", "CERTIFICATEUR", indent=6)
        with _open(xf, "passageCertifications", 6):
            for passage in passages:
                counter.add(passage)
                xf.write("\n" + "  " * 7)
                _write_passage(xf, passage)


def _write_passage(xf: Any, passage: Passage) -> None:
    with xf.element(qname("passageCertification")):
        _leaf(xf, "idTechnique", passage.id_technique)
        if passage.url_preuve:
            _leaf(xf, "urlPreuve", passage.url_preuve)
        _leaf(xf, "obtentionCertification", "PAR_ADMISSION")
        _leaf(xf, "donneeCertifiee", "true")
        _leaf(xf, "dateDebutValidite", passage.awarded_on.isoformat())
        _leaf(xf, "dateFinValidite", None)
        _leaf(xf, "presenceNiveauLangueEuro", "false")
        _leaf(xf, "presenceNiveauNumeriqueEuro", "false")
        _leaf(xf, "scoring", None)
        _leaf(xf, "mentionValidee", None)
        with xf.element(qname("modalitesInscription")):
            _leaf(xf, "modaliteAcces", passage.access_mode)
        with xf.element(qname("identificationTitulaire")), xf.element(qname("titulaire")):
            _write_holder(xf, passage)
        if passage.exam_started_on is not None:
            _leaf(xf, "dateDebutExamen", passage.exam_started_on.isoformat())
        if passage.exam_ended_on is not None:
            _leaf(xf, "dateFinExamen", passage.exam_ended_on.isoformat())


def _write_holder(xf: Any, passage: Passage) -> None:
    _leaf(xf, "nomNaissance", clean_text(passage.birth_name, label="nomNaissance", maximum=60))
    _leaf(
        xf,
        "nomUsage",
        clean_text(passage.usual_name, label="nomUsage", maximum=60) if passage.usual_name else None,
    )
    for rank, first_name in enumerate(passage.first_names, start=1):
        _leaf(xf, f"prenom{rank}", clean_text(first_name, label="prénom", maximum=60))
    birth, precision = passage.birth_date, passage.birth_date_precision
    _leaf(xf, "anneeNaissance", f"{birth.year:04d}")
    _leaf(xf, "moisNaissance", None if precision == "year" else f"{birth.month:02d}")
    _leaf(xf, "jourNaissance", f"{birth.day:02d}" if precision == "day" else None)
    _leaf(xf, "sexe", passage.sex)
    if passage.birth_country_code:
        _leaf(xf, "codePaysNaissance", passage.birth_country_code)
        if passage.birth_country_label:
            _leaf(
                xf, "libellePaysNaissance", clean_text(passage.birth_country_label, label="pays", maximum=100)
            )
        return
    with xf.element(qname("codeCommuneNaissance")):
        if passage.birth_commune_code:
            with xf.element(qname("codeInseeNaissance")):
                _leaf(xf, "codeInsee", passage.birth_commune_code)
        else:
            with xf.element(qname("codePostalNaissance")):
                _leaf(xf, "codePostal", passage.birth_postal_code)
    if passage.birth_commune_label:
        _leaf(
            xf,
            "libelleCommuneNaissance",
            clean_text(passage.birth_commune_label, label="commune", maximum=100),
        )


def _leaf(xf: Any, name: str, text: str | None, *, indent: int = 0) -> None:
    """One element with its text, or nil (xsi:nil="true", empty) when the text is None."""
    if indent:
        xf.write("\n" + "  " * indent)
    if text is None:
        with xf.element(qname(name), _NIL):
            pass
        return
    with xf.element(qname(name)):
        xf.write(text)


@contextlib.contextmanager
def _open(xf: Any, name: str, indent: int, nsmap: dict[str | None, str] | None = None) -> Iterator[None]:
    """An element holding others, its tags on their own indented lines (a passage stays on one line)."""
    if indent:
        xf.write("\n" + "  " * indent)
    with xf.element(qname(name), nsmap=nsmap):
        yield
        xf.write("\n" + "  " * indent)


def _timestamp(moment: dt.datetime) -> str:
    """The date-time with its offset and without fractions of a second: 2025-03-01T09:30:00+01:00."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")
