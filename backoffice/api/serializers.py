"""The JSON of the API: what comes in is the import contracts' fields (candidates, results), checked here for
their JSON types only — unknown fields refused — and then judged as a file's row is; what goes out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casefiles.models import CaseFileState, CertificateStatus, DomainStatus

EVALUATION_KINDS = [("prealable", "évaluation préalable"), ("finale", "évaluation finale"), ("plan", "plan")]
LOT_KINDS = [("dossiers", "dossiers"), ("evaluations", "évaluations")]
MAX_TEXT = 1000  # a cell longer than this is refused by every contract anyway
LOT_MAX = 1000


class Text(serializers.CharField):
    """A JSON string, nothing else (DRF would turn a number into text); null is an empty cell."""

    default_error_messages = {"invalid": "Une chaîne de caractères est attendue."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_TEXT)
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_blank", True)
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Day(serializers.DateField):
    """A date as JSON says it: "2026-03-14" (ISO 8601)."""

    default_error_messages = {"invalid": "Une date au format AAAA-MM-JJ est attendue."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        if not isinstance(value, str):
            self.fail("invalid")
        return super().to_internal_value(value)


class Hours(serializers.IntegerField):
    default_error_messages = {"invalid": "Un nombre entier est attendu."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "oneOf": [{"type": "boolean"}, {"type": "string", "maxLength": 20}, {"type": "null"}],
        "description": "true / « A » (acquis), false / « NA » (non acquis), null ou « » : non évalué",
    }
)
class Verdict(serializers.Field):
    default_error_messages = {"invalid": "true, false, « A », « NA » ou null."}

    def to_internal_value(self, data: Any) -> str:
        if data is None:
            return ""
        if isinstance(data, bool):
            return "A" if data else "NA"
        if isinstance(data, str) and len(data) <= 20:
            return data
        self.fail("invalid")
        return ""

    def to_representation(self, value: Any) -> Any:
        return value


class Strict(serializers.Serializer):
    """Refuses the fields it does not know: a misspelt field is an error, never silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Champ inconnu."] for name in unknown})
        return super().to_internal_value(data)


def cells_of(data: dict[str, Any]) -> dict[str, str]:
    """The validated fields as a file's cells: dates ISO, null as an empty cell, absent fields absent."""
    cells = {}
    for name, value in data.items():
        if isinstance(value, dt.date):
            cells[name] = value.isoformat()
        elif isinstance(value, list):
            cells[name] = ", ".join(value)
        elif value is None:
            cells[name] = ""
        else:
            cells[name] = str(value)
    return cells


# What comes in.


class CandidateIn(Strict):
    """One row of the candidates contract (docs/imports.md), as JSON."""

    reference = Text(
        max_length=50, help_text="Référence du dossier chez l'organisme (unique dans l'organisme)"
    )
    siret_evaluateur = Text(max_length=20, help_text="SIRET de l'établissement évaluateur habilité")
    certification = Text(max_length=20, help_text="CLEA, CLEA_NUM ou CLEA_MGT")
    nom = Text(max_length=100, help_text="Nom d'usage")
    prenom = Text(max_length=100)
    date_naissance = Day()
    nom_naissance = Text(required=False, max_length=100)
    prenom2 = Text(required=False, max_length=100)
    prenom3 = Text(required=False, max_length=100)
    commune_naissance = Text(
        required=False, max_length=10, help_text="Code INSEE de la commune (né·e en France)"
    )
    pays_naissance = Text(
        required=False, max_length=10, help_text="Code INSEE du pays (99XXX, né·e à l'étranger)"
    )
    sexe = Text(required=False, max_length=10, help_text="F, M ou vide")
    email = Text(required=False, max_length=254)
    telephone = Text(required=False, max_length=25)
    code_postal = Text(max_length=10, help_text="Code postal du domicile (5 chiffres)")
    statut = Text(max_length=30, help_text="demandeur_emploi, salarie ou autre")
    secteur = Text(required=False, max_length=100)
    prescripteur = Text(required=False, max_length=50)
    date_accueil = Day(help_text="Date du premier accueil, pas dans le futur")
    financement = Text(required=False, max_length=50)
    precision_financement = Text(required=False, max_length=100)


class EvaluationIn(Strict):
    """One row of the results contract for the file of the address: an assessment, or a training plan."""

    type = serializers.ChoiceField(
        choices=EVALUATION_KINDS,
        help_text="prealable, finale ou plan (plan de formation)",
    )
    date_evaluation = Day(help_text="Date de l'évaluation (d'établissement du plan), pas dans le futur")
    evaluateur = Text(max_length=254, help_text="E-mail du compte de l'évaluateur·rice dans le back-office")
    resultats = serializers.DictField(
        child=Verdict(),
        required=False,
        help_text="Par code de sous-domaine (D1.1) ou de critère (D1.1.1) : acquis ou non",
    )
    siret_formateur = Text(
        required=False, max_length=20, help_text="Plan : SIRET de l'établissement de formation"
    )
    formateur = Text(required=False, max_length=254, help_text="Plan : e-mail du·de la formateur·rice")
    domaines = serializers.ListField(
        child=Text(max_length=10), required=False, allow_null=True, help_text="Plan : domaines visés (D1, D3)"
    )
    heures = Hours(required=False, allow_null=True, min_value=0, max_value=100_000, help_text="Plan : heures")
    date_debut = Day(required=False, help_text="Plan : début de la formation")
    date_fin = Day(required=False, help_text="Plan : fin de la formation")


class EvaluationLotItem(EvaluationIn):
    """A results row of a lot: its file named by its reference and its evaluator site."""

    reference = Text(max_length=50, help_text="Référence du dossier chez l'organisme")
    siret_evaluateur = Text(max_length=20, help_text="SIRET de l'établissement évaluateur du dossier")


class CandidatesLotIn(Strict):
    elements = CandidateIn(many=True, allow_empty=False, max_length=LOT_MAX)


class EvaluationsLotIn(Strict):
    elements = EvaluationLotItem(many=True, allow_empty=False, max_length=LOT_MAX)


class ContactIn(Strict):
    """The candidate's contact, corrected (a rectification): only the fields sent change."""

    email = Text(required=False, max_length=254)
    telephone = Text(required=False, max_length=25)
    code_postal = Text(required=False, max_length=10)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Indiquez au moins un champ : email, telephone ou code_postal.")
        return attrs


# What goes out (the endpoints build the dicts; these describe them and format dates).


class CandidateOut(serializers.Serializer):
    nom = serializers.CharField()
    prenom = serializers.CharField()
    date_naissance = serializers.DateField()
    email = serializers.CharField()
    telephone = serializers.CharField()
    code_postal = serializers.CharField()
    statut = serializers.CharField()


class NextStepOut(serializers.Serializer):
    code = serializers.CharField(help_text="L'étape du parcours qui attend : positioning, training_plan…")
    titre = serializers.CharField()
    ouverte_le = serializers.DateTimeField()
    a_faire_avant = serializers.DateField(allow_null=True)
    action = serializers.CharField(help_text="Comment la franchir")


class CaseFileOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    certification = serializers.CharField()
    siret_evaluateur = serializers.CharField()
    etablissement = serializers.CharField()
    date_accueil = serializers.DateField()
    etat = serializers.ChoiceField(choices=CaseFileState.choices)
    etat_libelle = serializers.CharField()
    candidat = CandidateOut()
    evaluation_prealable_le = serializers.DateField(allow_null=True)
    acquis_valables_jusqu_au = serializers.DateField(allow_null=True)
    pret_pour_le_jury_le = serializers.DateField(allow_null=True)
    clos_le = serializers.DateField(allow_null=True)
    etape_suivante = NextStepOut(allow_null=True)
    modifie_le = serializers.DateTimeField(allow_null=True, help_text="Dernier événement du dossier")
    url = serializers.CharField()


class FieldErrorOut(serializers.Serializer):
    champ = serializers.CharField()
    message = serializers.CharField()


class WrittenOut(serializers.Serializer):
    resultat = serializers.ChoiceField(choices=["cree", "modifie", "inchange"])
    dossier = CaseFileOut()


class ItemOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="Place de l'élément dans le lot, à partir de 0")
    reference = serializers.CharField()
    resultat = serializers.ChoiceField(choices=["cree", "modifie", "inchange", "refuse"])
    erreurs = FieldErrorOut(many=True)
    dossier = serializers.IntegerField(allow_null=True, help_text="Identifiant du dossier")


class TotalsOut(serializers.Serializer):
    cree = serializers.IntegerField()
    modifie = serializers.IntegerField()
    inchange = serializers.IntegerField()
    refuse = serializers.IntegerField()


class LotOut(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Le lot traité en arrière-plan, sinon null")
    type = serializers.ChoiceField(choices=LOT_KINDS)
    etat = serializers.ChoiceField(choices=["en_cours", "termine", "echoue"])
    detail = serializers.CharField()
    elements = serializers.IntegerField()
    totaux = TotalsOut(allow_null=True)
    resultats = ItemOut(many=True)
    url = serializers.CharField(allow_null=True)


class SubDomainOut(serializers.Serializer):
    code = serializers.CharField()
    acquis = serializers.BooleanField()
    par_criteres = serializers.BooleanField(help_text="Décidé par ses critères (seuil), sinon verdict")


class AssessmentRefOut(serializers.Serializer):
    type = serializers.CharField()
    date = serializers.DateField()


class DomainOut(serializers.Serializer):
    code = serializers.CharField()
    libelle = serializers.CharField()
    statut = serializers.ChoiceField(choices=DomainStatus.choices)
    statut_libelle = serializers.CharField()
    acquis_le = serializers.DateField(allow_null=True)
    evaluation = AssessmentRefOut(allow_null=True)
    sous_domaines = SubDomainOut(many=True)


class GridOut(serializers.Serializer):
    dossier = serializers.IntegerField()
    reference = serializers.CharField()
    domaines = DomainOut(many=True)


class CertificateOut(serializers.Serializer):
    numero = serializers.CharField()
    certification = serializers.CharField()
    attribue_le = serializers.DateField()
    statut = serializers.ChoiceField(choices=CertificateStatus.choices)
    statut_libelle = serializers.CharField()
    delivre_le = serializers.DateTimeField(allow_null=True)
    titulaire = serializers.CharField()
    dossier = serializers.IntegerField()
    reference = serializers.CharField()


class ProblemOut(serializers.Serializer):
    """RFC 9457."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = FieldErrorOut(many=True, required=False)
