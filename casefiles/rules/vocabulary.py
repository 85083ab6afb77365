"""Referrers and fundings as people type them ("Mission locale", "mission-locale", "ML", "Pôle emploi"): the
one table of aliases every path that reads text uses (imports, and any later reader), and the one way a
label is reduced to compare it (`label_key`)."""

from __future__ import annotations

import functools
import unicodedata

from casefiles.models.files import Funding, Referrer


@functools.lru_cache(maxsize=4096)  # a file repeats a handful of labels on every row
def label_key(value: str) -> str:
    """Lower case, no accents, words joined by underscores (hyphens, apostrophes, brackets and other marks
    separate words): how labels are compared ("France Travail (AIF)" → "france_travail_aif")."""
    text = unicodedata.normalize("NFKD", value.strip().lower()).encode("ascii", "ignore").decode()
    return "_".join("".join(char if char.isalnum() else " " for char in text).split())


REFERRER_ALIASES: dict[str, tuple[str, ...]] = {
    Referrer.EMPLOYER: ("employeur", "entreprise", "employer"),
    Referrer.OPCO: ("opco", "operateur de competences"),
    Referrer.REGION: ("région", "conseil régional"),
    Referrer.FRANCE_TRAVAIL: ("France Travail", "FT", "Pôle emploi", "PE"),
    Referrer.CEP: ("CEP", "conseil en évolution professionnelle", "conseiller en évolution professionnelle"),
    Referrer.MISSION_LOCALE: ("Mission locale", "missions locales", "ML", "MILO"),
    Referrer.CAP_EMPLOI: ("Cap emploi", "Cap-emploi"),
    Referrer.TRANSITIONS_PRO: ("Transitions Pro", "Transition Pro", "AT Pro", "ATPro", "Fongecif"),
    Referrer.OTHER: ("autre", "other"),
}
# Other ways to say the same funding: read as the code, nothing more to keep.
FUNDING_ALIASES: dict[str, tuple[str, ...]] = {
    Funding.CPF: (
        "CPF",
        "compte personnel de formation",
        "compte formation",
        "Mon compte formation",
        "moncompteformation",
        "MCF",
        "CPF autonome",
    ),
    Funding.PRO_A: (
        "Pro-A",
        "ProA",
        "promotion par alternance",
        "reconversion par alternance",
        "reconversion ou promotion par alternance",
    ),
    Funding.EMPLOYER_PLAN: (
        "plan de développement des compétences",
        "plan de développement des compétences de l'employeur",
        "plan de dév. des compétences",
        "plan de dév des compétences",
        "plan de développement",
        "PDC",
        "plan de formation",
        "plan de formation de l'entreprise",
        "plan employeur",
        "financement employeur",
        "employeur",
        "entreprise",
    ),
    Funding.OPCO: ("OPCO", "opérateur de compétences"),
    Funding.REGION: ("Région", "conseil régional", "PRF", "programme régional de formation"),
    Funding.FRANCE_TRAVAIL: (
        "France Travail",
        "France Travail (AIF)",
        "AIF",
        "AIF France Travail",
        "AIF Pôle emploi",
        "aide individuelle à la formation",
        "FT",
        "Pôle emploi",
        "Pôle emploi (AIF)",
        "PE",
    ),
    Funding.OTHER: ("autre", "autres", "other"),
}
# A funder or scheme the list counts under a code but does not name: read as that code, and the text typed is
# kept on the file as the funding note (`CaseFile.funding_note`), so nothing said is lost.
FUNDING_DETAILS: dict[str, tuple[str, ...]] = {
    Funding.OPCO: (
        "OPCO EP",
        "OPCO 2i",
        "OPCO Atlas",
        "Atlas",
        "OPCO Akto",
        "Akto",
        "Afdas",
        "OPCO Afdas",
        "Constructys",
        "OPCO Constructys",
        "Ocapiat",
        "OPCO Ocapiat",
        "Opcommerce",
        "OPCO Commerce",
        "OPCO Mobilités",
        "OPCO Santé",
        "Uniformation",
        "OPCO Uniformation",
        "OPCO Cohésion sociale",
    ),
    Funding.FRANCE_TRAVAIL: ("POEI", "POEC", "AFPR"),
    # The CPF de transition is now the "projet de transition professionnelle", paid by Transitions Pro: not
    # the CPF of the list.
    Funding.OTHER: (
        "CPF de transition",
        "CPF transition",
        "CPF-CIF",
        "CIF",
        "projet de transition professionnelle",
        "PTP",
        "Transitions Pro",
        "Transition Pro",
        "Fongecif",
        "Agefiph",
        "FIPHFP",
        "FNE-Formation",
        "FNE",
        "FSE",
        "fonds propres",
        "autofinancement",
        "financement personnel",
        "personnel",
    ),
}


def _by_key(choices: type, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each code, its label and its aliases, reduced by `label_key`, → the code."""
    table: dict[str, str] = {}
    for code, label in choices.choices:  # type: ignore[attr-defined]
        for text in (code, label, *aliases.get(code, ())):
            table[label_key(text)] = code
    return table


REFERRERS: dict[str, str] = _by_key(Referrer, REFERRER_ALIASES)
FUNDINGS: dict[str, str] = _by_key(Funding, FUNDING_ALIASES) | {
    label_key(text): code for code, texts in FUNDING_DETAILS.items() for text in texts
}
# The labels whose text says more than their code: kept as the funding note.
NOTED_FUNDINGS: frozenset[str] = frozenset(
    label_key(text) for texts in FUNDING_DETAILS.values() for text in texts
)


def referrer_from(text: str) -> str | None:
    """The referrer's code for a label as typed; "" for nothing typed; None when not recognised."""
    return REFERRERS.get(label_key(text)) if text.strip() else ""


def funding_from(text: str) -> str | None:
    """The funding's code for a label as typed; "" for nothing typed; None when not recognised."""
    return FUNDINGS.get(label_key(text)) if text.strip() else ""


def funding_note_from(text: str) -> str:
    """What a funding label as typed says beyond its code ("OPCO EP", "Agefiph"), to keep on the file."""
    return " ".join(text.split())[:100] if label_key(text) in NOTED_FUNDINGS else ""
