"""Data: each candidate's identity key computed (casefiles/identity.py), and the free-text fundings read as
codes. The alias table is frozen here as it stood (casefiles/vocabulary.py will change; this must not): a text
read as its code exactly is replaced by the code; a text saying more than its code ("OPCO EP", "Plan de
formation 2021") or one nobody recognises (then "other") is also kept as it was in `funding_note`, so nothing
written in the files is lost."""

import unicodedata

from django.db import migrations

BATCH = 2000
NOTE_LENGTH = 100

# Frozen copy of casefiles.models.Funding and casefiles.rules.vocabulary (0014/0016), code -> label and aliases.
LABELS = {
    "cpf": "CPF (compte personnel de formation)",
    "pro_a": "Pro-A (reconversion ou promotion par alternance)",
    "employer_plan": "Plan de développement des compétences de l'employeur",
    "opco": "OPCO",
    "region": "Région",
    "france_travail": "France Travail (AIF)",
    "other": "Autre",
}
ALIASES = {
    "cpf": (
        "CPF",
        "compte personnel de formation",
        "compte formation",
        "Mon compte formation",
        "moncompteformation",
        "MCF",
        "CPF autonome",
    ),
    "pro_a": (
        "Pro-A",
        "ProA",
        "promotion par alternance",
        "reconversion par alternance",
        "reconversion ou promotion par alternance",
    ),
    "employer_plan": (
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
    "opco": ("OPCO", "opérateur de compétences"),
    "region": ("Région", "conseil régional", "PRF", "programme régional de formation"),
    "france_travail": (
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
    "other": ("autre", "autres", "other"),
}
DETAILS = {  # read as the code, the text kept as the note
    "opco": (
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
    "france_travail": ("POEI", "POEC", "AFPR"),
    "other": (
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


def label_key(value):
    """Frozen copy of casefiles.rules.vocabulary.label_key."""
    text = unicodedata.normalize("NFKD", value.strip().lower()).encode("ascii", "ignore").decode()
    return "_".join("".join(char if char.isalnum() else " " for char in text).split())


SAME = {label_key(text): code for code, label in LABELS.items() for text in (code, label, *ALIASES[code])}
MORE = {label_key(text): code for code, texts in DETAILS.items() for text in texts}


def funding_and_note(text):
    """(code, note) for a free text: the note is the text whenever the code says less than it."""
    key = label_key(text)
    if not key:
        return "", ""
    if key in SAME:
        return SAME[key], ""
    note = " ".join(text.split())[:NOTE_LENGTH]
    if key in MORE:
        return MORE[key], note
    words = key.split("_")
    for length in range(len(words) - 1, 0, -1):  # "Plan de formation 2021", "OPCO EP - transport"
        prefix = "_".join(words[:length])
        if prefix in SAME or prefix in MORE:
            return SAME.get(prefix) or MORE[prefix], note
    return "other", note


def forwards(apps, schema_editor):
    from casefiles.rules.identity import identity_key  # the live rule: the keys must match what is looked up

    Candidate = apps.get_model("casefiles", "Candidate")
    CaseFile = apps.get_model("casefiles", "CaseFile")
    pending = Candidate.objects.filter(identity_key="").order_by("pk")
    while batch := list(pending.only("pk", "last_name", "first_name", "birth_date")[:BATCH]):
        for candidate in batch:
            candidate.identity_key = identity_key(
                candidate.last_name, candidate.first_name, candidate.birth_date
            )
        Candidate.objects.bulk_update(batch, ["identity_key"])
    texts = CaseFile.objects.exclude(funding="").values_list("funding", flat=True).distinct()
    for text in list(texts):
        code, note = funding_and_note(text)
        if (code, note) != (text, ""):
            CaseFile.objects.filter(funding=text).update(funding=code, funding_note=note)


def backwards(apps, schema_editor):
    """The codes stay (they are valid free texts); the keys and notes are dropped with their columns."""


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0014_candidate_identity_key_referrers_funding"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
