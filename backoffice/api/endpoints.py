"""The API's endpoints (`/api/v1/`): each parses the JSON, calls one selector or the contracts' checkers and
services with the key's service account, and answers JSON (errors: problems, `problems.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accreditation.models import Certification
from backoffice.imports import cells
from backoffice.imports.contracts.candidates import STATUSES
from backoffice.imports.contracts.results.contract import KINDS
from casefiles.models import CaseFile, CaseFileState
from casefiles.selectors import domain_grid
from casefiles.services import record_consultation, rectify_candidate

from . import lots, problems, rows, selectors
from . import serializers as io
from .base import ApiView, writes
from .models import LotKind
from .problems import PROBLEM_JSON, Invalid

# The contracts' codes, for what goes out as for what comes in.
STATUS_CODES: dict[str, str] = {
    str(value): code for code, value in STATUSES.items() if code != "demandeur_d_emploi"
}
KIND_CODES: dict[str, str] = {str(value): code for code, value in KINDS.items()}
PROBLEMS = {
    (code, PROBLEM_JSON): OpenApiResponse(io.ProblemOut, description=description)
    for code, description in (
        (400, "Requête invalide (JSON, types, champs inconnus, règles), rien n'est écrit"),
        (401, "Clé absente, inconnue ou révoquée"),
        (403, "Clé en lecture seule"),
        (404, "Absent du périmètre de la clé"),
        (409, "Clé d'idempotence déjà servie pour une autre requête"),
        (413, "Corps de plus de 10 Mo"),
        (429, "Limite de requêtes de la clé atteinte (voir Retry-After)"),
    )
}
READ_PROBLEMS = {key: value for key, value in PROBLEMS.items() if key[0] in (400, 401, 404, 429)}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Une valeur par requête : la renvoyer avec la même requête rend la première réponse",
)
PAGES = [
    OpenApiParameter(
        "curseur", OpenApiTypes.STR, description="La page suivante ou précédente (liens de la réponse)"
    ),
    OpenApiParameter("taille", OpenApiTypes.INT, description="Éléments par page : 100, au plus 500"),
]
NOT_MODIFIED = OpenApiResponse(description="Non modifié depuis l'ETag envoyé dans If-None-Match")


def reads(
    operation_id: str, summary: str, answer: Any, *, parameters: Any = (), description: str = ""
) -> Any:
    """The schema of a read: its answer, 304 to a matching If-None-Match, its problems."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        parameters=list(parameters),
        responses={200: answer, 304: NOT_MODIFIED, **READ_PROBLEMS},
    )


def documents_write(
    operation_id: str, summary: str, request: Any, answers: dict[int, Any], *, description: str = ""
) -> Any:
    """The schema of a write: its body, the Idempotency-Key header, its answers and problems."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=request,
        parameters=[IDEMPOTENCY],
        responses={**answers, **PROBLEMS},
    )


class Pages(CursorPagination):
    """By cursor: stable while files are added, whatever the page."""

    page_size = 100
    page_size_query_param = "taille"
    max_page_size = 500
    cursor_query_param = "curseur"
    ordering = "id"

    def decode_cursor(self, request: Request) -> Any:
        """DRF's cursor, whose position must be an id: a forged one is a 404, never a crash."""
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not (str(position).isascii() and str(position).isdigit()):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"suivant": self.get_next_link(), "precedent": self.get_previous_link(), "resultats": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["suivant", "precedent", "resultats"],
            "properties": {"suivant": link, "precedent": link, "resultats": schema},
        }


# Files.


def file_url(case_file: CaseFile) -> str:
    """The file's address, by its id: one file whatever the references (`?reference=` finds it by one)."""
    return reverse("api:file", kwargs={"id": case_file.pk})


def describe(case_file: CaseFile, task: Any) -> dict[str, Any]:
    candidate = case_file.candidate
    return {
        "id": case_file.pk,
        "reference": case_file.reference,
        "certification": case_file.certification.code,
        "siret_evaluateur": case_file.evaluation_site.siret,
        "etablissement": case_file.evaluation_site.name,
        "date_accueil": case_file.opened_on,
        "etat": case_file.state,
        "etat_libelle": case_file.get_state_display(),
        "candidat": {
            "nom": candidate.last_name,
            "prenom": candidate.first_name,
            "date_naissance": candidate.birth_date,
            "email": candidate.email,
            "telephone": candidate.phone,
            "code_postal": candidate.postcode,
            "statut": STATUS_CODES.get(candidate.status, ""),
        },
        "evaluation_prealable_le": case_file.positioned_on,
        "acquis_valables_jusqu_au": case_file.expires_on,
        "pret_pour_le_jury_le": case_file.ready_for_jury_on,
        "clos_le": case_file.closed_on,
        "etape_suivante": selectors.step_of(task),
        "modifie_le": getattr(case_file, "modifie_le", None),
        "url": file_url(case_file),
    }


def file_answer(user: Any, case_file_id: int, result: str) -> dict[str, Any]:
    """A write's answer: what was done, and the file as it stands now (its next step)."""
    case_file = selectors.files_for_key(user).get(pk=case_file_id)
    task = selectors.next_steps([case_file]).get(case_file.pk)
    return io.WrittenOut({"resultat": result, "dossier": describe(case_file, task)}).data


def refused(outcome: rows.Outcome, what: str) -> Invalid:
    return Invalid(f"{what} refusé : voir « errors ».", outcome.errors)


def _changed_since(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = dt.datetime.combine(day, dt.time.min) if day is not None else None
        if moment is not None:  # in UTC: the database takes no offset beyond ±16 h
            return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).astimezone(dt.UTC)
    except (OverflowError, ValueError):
        pass
    raise Invalid(
        "Filtre invalide.",
        [{"champ": "modifie_depuis", "message": "une date (AAAA-MM-JJ) ou un instant ISO 8601 est attendu."}],
    )


def _file_filters(query: Any) -> dict[str, Any]:
    certification, state = query.get("certification", ""), query.get("etat", "")
    reference = query.get("reference", "")
    errors = []
    if len(reference) > 50:
        errors.append({"champ": "reference", "message": "50 caractères au plus."})
    if certification and not Certification.objects.filter(code__iexact=certification).exists():
        errors.append(
            {"champ": "certification", "message": f"« {certification[:20]} » : CLEA, CLEA_NUM ou CLEA_MGT."}
        )
    if state and state not in CaseFileState.values:
        errors.append(
            {"champ": "etat", "message": "un état parmi : " + ", ".join(CaseFileState.values) + "."}
        )
    if errors:
        raise Invalid("Filtre invalide.", errors)
    return {
        "certification": certification,
        "state": state,
        "reference": reference,
        "changed_since": _changed_since(query.get("modifie_depuis", "")),
    }


class PagedView(ApiView, GenericAPIView):
    """A list, by cursor."""

    pagination_class = Pages


class CaseFilesView(PagedView):
    serializer_class = io.CaseFileOut

    def get_queryset(self) -> Any:
        return selectors.files_for_key(self.request.user)

    @reads(
        "dossiers_lister",
        "Les dossiers de l'organisme",
        io.CaseFileOut(many=True),
        parameters=[
            OpenApiParameter("certification", OpenApiTypes.STR, description="CLEA, CLEA_NUM ou CLEA_MGT"),
            OpenApiParameter("etat", OpenApiTypes.STR, enum=CaseFileState.values),
            OpenApiParameter(
                "reference", OpenApiTypes.STR, description="Le dossier de cette référence de l'organisme"
            ),
            OpenApiParameter(
                "modifie_depuis",
                OpenApiTypes.DATETIME,
                description="Les dossiers modifiés depuis cet instant",
            ),
            *PAGES,
        ],
        description=(
            "Par curseur. Pour synchroniser : « modifie_depuis » ; pour retrouver un dossier par sa "
            "référence : « reference »."
        ),
    )
    def get(self, request: Request) -> Response:
        files = selectors.filter_files(self.get_queryset(), **_file_filters(request.query_params))
        page = self.paginate_queryset(files) or []
        steps = selectors.next_steps(page)
        data = io.CaseFileOut([describe(f, steps.get(f.pk)) for f in page], many=True).data
        return self.get_paginated_response(data)

    @documents_write(
        "dossier_ouvrir",
        "Ouvrir un dossier (une ligne du fichier des candidat·es)",
        io.CandidateIn,
        {201: io.WrittenOut, 200: io.WrittenOut},
        description="Par sa référence : une référence déjà connue met le dossier à jour, comme l'import.",
    )
    @writes
    def post(self, request: Request) -> Response:
        data = _valid(io.CandidateIn, request.data)
        checker = rows.candidates_checker(request.user, prefix=self.key.prefix)
        outcome = rows.judge(checker, [rows.Item(io.cells_of(data))])[0]
        if outcome.result == "refuse" or outcome.case_file_id is None:
            raise refused(outcome, "Dossier")
        body = file_answer(request.user, outcome.case_file_id, outcome.result)
        if outcome.result != "cree":
            return Response(body)
        return Response(body, status=201, headers={"Location": body["dossier"]["url"]})


class CaseFileView(ApiView):
    @reads(
        "dossier_lire",
        "Un dossier : son état et son étape suivante",
        io.CaseFileOut,
        description=(
            "Par l'identifiant du dossier (son « url ») ; par la référence de l'organisme : "
            "GET /api/v1/dossiers/?reference=…. Chaque lecture est notée comme une consultation du dossier."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        case_file = selectors.file_for_key(request.user, id)
        record_consultation(case_file, actor=request.user)  # as a page of the file: once a day per key
        task = selectors.next_steps([case_file]).get(case_file.pk)
        return Response(io.CaseFileOut(describe(case_file, task)).data)


class ContactView(ApiView):
    @documents_write(
        "dossier_corriger_contact",
        "Corriger les coordonnées du·de la candidat·e (rectification)",
        io.ContactIn,
        {200: io.WrittenOut},
    )
    @writes
    def patch(self, request: Request, id: int) -> Response:
        case_file = selectors.file_for_key(request.user, id)
        data = _valid(io.ContactIn, request.data)
        wanted = _contact(data)
        candidate = case_file.candidate
        changes = {name: value for name, value in wanted.items() if getattr(candidate, name) != value}
        if changes:
            rectify_candidate(candidate, changes=changes, actor=request.user)
        return Response(file_answer(request.user, case_file.pk, "modifie" if changes else "inchange"))


CONTACT = {
    "email": ("email", cells.email),
    "telephone": ("phone", cells.phone),
    "code_postal": ("postcode", cells.postcode),
}


def _contact(data: dict[str, Any]) -> dict[str, str]:
    """The contact fields, read by the candidates contract's cell rules."""
    found, errors = {}, []
    for name, value in data.items():
        field, parse = CONTACT[name]
        try:
            found[field] = parse(value or "")
        except cells.CellError as error:
            errors.append({"champ": name, "message": error.message})
    if errors:
        raise Invalid("Coordonnées refusées : voir « errors ».", errors)
    return found


class EvaluationsView(ApiView):
    @documents_write(
        "dossier_enregistrer_evaluation",
        "Enregistrer l'évaluation préalable, le plan de formation ou l'évaluation finale",
        io.EvaluationIn,
        {201: io.WrittenOut, 200: io.WrittenOut},
        description="Une ligne du fichier des résultats pour ce dossier : mêmes contrôles, même suite.",
    )
    @writes
    def post(self, request: Request, id: int) -> Response:
        selectors.file_for_key(request.user, id)  # 404 outside the key's scope, before anything
        data = _valid(io.EvaluationIn, request.data)
        # Two identical rows sent at once: the second waits for the first, then reads the file as it left it
        # (« inchangé »).
        CaseFile.objects.select_for_update().filter(pk=id).values_list("pk").get()
        case_file = selectors.file_for_key(request.user, id)
        verdicts = data.pop("resultats", None) or {}
        own = {
            "reference": case_file.reference or f"#{case_file.pk}",
            "siret_evaluateur": case_file.evaluation_site.siret,
        }
        item = rows.evaluation_item({**own, **io.cells_of(data)}, verdicts, known=rows.result_codes())
        checker = rows.results_checker(request.user, prefix=self.key.prefix, case_file=case_file)
        outcome = rows.judge(checker, [item])[0]
        if outcome.result == "refuse":
            raise refused(outcome, "Enregistrement")
        body = file_answer(request.user, case_file.pk, outcome.result)
        return Response(body, status=201 if outcome.result == "cree" else 200)


class GridView(ApiView):
    @reads(
        "dossier_lire_grille",
        "La grille des domaines du dossier",
        io.GridOut,
    )
    def get(self, request: Request, id: int) -> Response:
        case_file = selectors.file_for_key(request.user, id)
        record_consultation(case_file, actor=request.user)
        domains = [
            {
                "code": row.domain.code,
                "libelle": row.domain.label,
                "statut": row.status,
                "statut_libelle": row.get_status_display(),
                "acquis_le": row.acquired_on,
                "evaluation": (
                    {"type": KIND_CODES[row.source.kind], "date": row.source.assessed_on}
                    if row.source
                    else None
                ),
                "sous_domaines": [
                    {"code": v.code, "acquis": v.acquired, "par_criteres": v.by_criteria}
                    for v in row.verdicts  # type: ignore[attr-defined]
                ],
            }
            for row in domain_grid(case_file)
        ]
        body = {"dossier": case_file.pk, "reference": case_file.reference, "domaines": domains}
        return Response(io.GridOut(body).data)


# Lots.


class CandidatesLotView(ApiView):
    @documents_write(
        "dossiers_lot",
        "Ouvrir ou mettre à jour jusqu'à 1 000 dossiers",
        io.CandidatesLotIn,
        {200: io.LotOut, 202: io.LotOut},
        description=(
            f"Jusqu'à {settings.API_SYNC_MAX} éléments : traités pendant la requête (200). Au-delà : "
            "un import de l'organisme, traité en arrière-plan (202, à suivre à l'adresse « url ») ; "
            "ses éléments envoient alors tous les mêmes champs."
        ),
    )
    @writes
    def post(self, request: Request) -> Response:
        data = _valid(io.CandidatesLotIn, request.data)
        items = [rows.Item(io.cells_of(element)) for element in data["elements"]]
        if len(items) <= settings.API_SYNC_MAX:
            checker = rows.candidates_checker(request.user, prefix=self.key.prefix)
            return _lot_answer(LotKind.CASE_FILES, rows.judge(checker, items))
        return _queued(LotKind.CASE_FILES, items, self)


class EvaluationsLotView(ApiView):
    @documents_write(
        "evaluations_lot",
        "Enregistrer jusqu'à 1 000 évaluations ou plans (lignes du fichier des résultats)",
        io.EvaluationsLotIn,
        {200: io.LotOut, 202: io.LotOut},
        description=f"Comme le lot de dossiers : 200 jusqu'à {settings.API_SYNC_MAX} éléments, 202 au-delà.",
    )
    @writes
    def post(self, request: Request) -> Response:
        data = _valid(io.EvaluationsLotIn, request.data)
        known = rows.result_codes()
        items = []
        for element in data["elements"]:  # each item's fields named within it (its answer has its index)
            verdicts = element.pop("resultats", None) or {}
            items.append(rows.evaluation_item(io.cells_of(element), verdicts, known=known))
        if len(items) <= settings.API_SYNC_MAX:
            checker = rows.results_checker(request.user, prefix=self.key.prefix)
            return _lot_answer(LotKind.RESULTS, rows.judge(checker, items))
        return _queued(LotKind.RESULTS, items, self)


def _lot_answer(kind: str, outcomes: list[rows.Outcome]) -> Response:
    body = lots.describe_lot(None, kind=kind, outcomes=[o.as_json() for o in outcomes], url=None)
    return Response(io.LotOut(body).data)


def _queued(kind: str, items: list[rows.Item], view: ApiView) -> Response:
    lot = lots.submit_lot(kind, items, key=view.key)
    url = reverse("api:lot", kwargs={"lot_id": lot.pk})
    body = lots.describe_lot(lot, kind=kind, outcomes=[], url=url)
    return Response(io.LotOut(body).data, status=202, headers={"Location": url})


class LotView(ApiView):
    @reads(
        "lot_lire",
        "Un lot traité en arrière-plan : son état, puis le résultat de chaque élément",
        io.LotOut,
    )
    def get(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_for_key(self.key, lot_id)
        url = reverse("api:lot", kwargs={"lot_id": lot.pk})
        body = lots.describe_lot(lot, kind=lot.kind, outcomes=lot.results, url=url)
        return Response(io.LotOut(body).data)


# Certificates.


class CertificatesView(PagedView):
    serializer_class = io.CertificateOut

    def get_queryset(self) -> Any:
        return selectors.certificates_for_key(self.request.user)

    @reads(
        "certificats_lister",
        "Les certificats des candidat·es de l'organisme",
        io.CertificateOut(many=True),
        parameters=PAGES,
        description="Par curseur : numéro, certification, dates, statut, titulaire et dossier de chacun.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        data = [
            {
                "numero": c.number,
                "certification": c.certification.code,
                "attribue_le": c.awarded_on,
                "statut": c.status,
                "statut_libelle": c.get_status_display(),
                "delivre_le": c.issued_at,
                "titulaire": f"{c.holder_last_name.upper()} {c.holder_first_name}",
                "dossier": c.case_file_id,
                "reference": c.case_file.reference,
            }
            for c in page
        ]
        return self.get_paginated_response(io.CertificateOut(data, many=True).data)


class NowhereView(ApiView):
    """Any other address under `/api/`: 404, as a problem (no key needed to learn that nothing is there)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound(problems.GENERIC_DETAILS[404])


def _valid(serializer_class: type[Any], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
