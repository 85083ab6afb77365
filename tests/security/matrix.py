"""The machinery of the permission matrix: walking the URL resolver, filling a route's parameters with the
objects of one side of the world, the personas relative to that side, and a fingerprint of the state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice
from viewflow.workflow.models import Task

from accreditation.models import FrameworkVersion, Organisation
from backoffice.core.exports.kinds import KINDS
from backoffice.exports.models import ExportKind

from .world import World

# Relative personas: "own" is the organisation / region of the object in the URL, "other" the other side.
PERSONAS = (
    "anonymous",
    "evaluator_own",
    "evaluator_other",
    "officer_own",
    "officer_other",
    "jury_own",
    "jury_other",
    "supervisor",
    "administrator",
)

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<regex_name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    pattern: str  # the full route, e.g. "jurys/<int:pk>/clore/"
    name: str | None  # the full name with namespaces, e.g. "jurys:close"

    @property
    def key(self) -> str:
        """What the expectation table is keyed by: the name, or the pattern of an unnamed route."""
        return self.name or self.pattern

    @property
    def params(self) -> list[str]:
        return [m.group("name") or m.group("regex_name") for m in _PARAM.finditer(self.pattern)]


def walk(patterns: list[Any] | None = None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every route of the project: the resolver's tree flattened, with full patterns and namespaced names."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes.extend(walk(entry.url_patterns, prefix + str(entry.pattern), inner))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            routes.append(Route(prefix + str(entry.pattern), name))
    return routes


def people(world: World, side_code: str) -> dict[str, Any]:
    """The users behind the relative personas, for an object of side `side_code`."""
    own, other = world.side(side_code), world.other(side_code)
    return {
        "anonymous": None,
        "evaluator_own": own.evaluator,
        "evaluator_other": other.evaluator,
        "officer_own": own.officer,
        "officer_other": other.officer,
        "jury_own": own.jury,
        "jury_other": other.jury,
        "supervisor": world.supervisor,
        "administrator": world.administrator,
    }


def is_scoped(route: Route) -> bool:
    """A route whose parameters name an object of one side (a file, a session, a process…)."""
    if route.pattern.startswith(("admin/", "accounts/")):
        return False
    names = set(route.params)
    return bool(names & {"pk", "process_pk", "number"}) and not route.pattern.startswith("referentiels/")


# --- Filling the parameters -------------------------------------------------------------------------------

# Which object of a side a `<pk>` names, by the route's name (or its namespace).
_PK_OBJECTS: dict[str, str] = {
    "casefile_statement": "file:ready",
    "casefile_document_upload": "file:opened",
    "casefile_document": "document",
    "casefile_document_delete": "document",
    "casefile_abandon": "file:opened",
    "casefile_transfer": "file:opened",
    "application_submit": "application",
    "application_answer": "application",
    "candidats:personal_data_json": "candidate",
    "candidats:personal_data_pdf": "candidate",
    "candidats:rectify_candidate": "candidate",
    "candidats:dossiers": "file:opened",
    "jurys:session": "session",
    "jurys:add_file": "session",
    "jurys:open": "session",
    "jurys:award_recommended": "session",
    "jurys:close": "session",
    "jurys:minutes": "closed_session",
    "jurys": "item",  # jurys/dossiers/<pk>/…
    "certificats:transmission": "transmission",
    "certificats:transmission_file": "transmission",
    "certificats:transmission_deposit": "transmission",
    "certificats:transmission_receipt": "transmission",
    "certificats:transmission_abandon": "transmission",
    "certificats": "certificate",
    "holder_page": "certificate",
    "holder_pdf": "certificate",
    "holder_credential_jwt": "certificate",
    "holder_credential_json": "certificate",
    "enquetes:start": "survey",
    "imports": "import",
    "imports:batch": "batch",
    "imports:batch_undo": "batch",
    "imports:batch_live": "batch",
    "exports": "export",
    "notifications": "notification",
    "annuaire:accreditation_status": "accreditation",
    "annuaire:organismes": "organisation",
    "annuaire:etablissements": "site",
    "annuaire:habilitations": "accreditation",
    "campagnes:application_document": "application_document",
    "campagnes:detail": "campaign",
    "campagnes:move": "campaign",
    "campagnes:criterion": "campaign",
    "campagnes:start_application": "campaign",
    "campagnes": "application",  # campagnes/candidatures/<pk>/…
    "referentiels:versions": "framework",
    "redevances:period": "fee_period",
    "redevances:freeze": "fee_period",
    "redevances:accounting": "fee_period",
    "redevances:schedule_edit": "fee_schedule",
    "redevances": "statement",  # redevances/<pk>/…
    "cles-api:revoke": "api_key",
}


def _object(world: World, side_code: str, what: str) -> Any:
    side = world.side(side_code)
    if what.startswith("file:"):
        return side.files[what.split(":")[1]]
    if what == "candidate":
        return side.files["opened"].candidate
    if what == "organisation":
        return side.site.organisation
    if what == "site":
        return side.site
    if what == "accreditation":
        return side.accreditation
    if what == "framework":
        return FrameworkVersion.objects.get(
            certification=side.accreditation.certification, status="published"
        )
    return side.objects[what]


def _pk_object(route: Route) -> str:
    name = route.name or ""
    while name:
        if name in _PK_OBJECTS:
            return _PK_OBJECTS[name]
        name = name.rpartition(":")[0]
    raise LookupError(f"no object declared for the <pk> of {route.key}")


def _flow_task(world: World, side_code: str, route: Route) -> tuple[int, int]:
    """The process of the side and a task of the route's node; a node without a task in the world gets
    another task of the same process (the page then answers as for a task of the wrong node)."""
    side = world.side(side_code)
    if route.pattern.startswith("instruction/"):
        processes = [side.objects["application"].process_id]
    else:
        processes = [side.files[k].process_id for k in ("opened", "ready", "certified")]
    node = route.name.split(":")[1] if route.name and route.name.count(":") == 2 else ""
    if node:
        for process_id in processes:
            task = Task.objects.filter(process_id=process_id, flow_task__endswith=f".{node}").first()
            if task is not None:
                return process_id, task.pk
    return processes[0], Task.objects.filter(process_id=processes[0]).order_by("pk").first().pk


def _admin_object_id(route: Route) -> str:
    match = re.match(r"admin:(\w+?)_(\w+?)_(change|delete|history)$", route.name or "")
    if route.name is None:  # the unnamed "<object_id>/" redirect of each admin model
        app_label, model_name = route.pattern.split("/")[1:3]
    elif match:
        app_label, model_name = match.group(1), match.group(2)
    else:
        return "1"
    for model in admin.site._registry:
        if model._meta.app_label == app_label and model._meta.model_name == model_name:
            first = model._default_manager.order_by("pk").first()
            return str(first.pk) if first is not None else "999999"
    return "999999"


def url_for(route: Route, world: World, side_code: str) -> str:
    """The route's URL with its parameters filled with objects of side `side_code`."""
    side = world.side(side_code)
    path = route.pattern
    values: dict[str, str] = {}
    for name in route.params:
        if name == "pk" and route.pattern.startswith("admin/"):  # the TOTP device's configuration pages
            values[name] = str(TOTPDevice.objects.order_by("pk").first().pk)
        elif name == "pk":
            values[name] = str(_object(world, side_code, _pk_object(route)).pk)
        elif name in {"process_pk", "task_pk"}:
            values["process_pk"], values["task_pk"] = map(str, _flow_task(world, side_code, route))
        elif name == "number" and route.name == "status_list":
            values[name] = "1"  # the world's certificates are in the first list of their certification
        elif name == "number":
            values[name] = side.objects["certificate"].number
        elif name == "object_id":
            values[name] = _admin_object_id(route)
        elif name == "content_type_id":
            values[name] = str(ContentType.objects.get_for_model(Organisation).pk)
        elif name == "id":
            values[name] = str(side.evaluator.pk)
        else:
            values[name] = _FIXED[name]
    if route.name == "admin:view_on_site":
        values["object_id"] = str(side.site.organisation.pk)
    for match in reversed(list(_PARAM.finditer(path))):
        name = match.group("name") or match.group("regex_name")
        path = path[: match.start()] + values[name] + path[match.end() :]
    path = path.replace("^", "").replace("$", "")
    return "/" + path


_FIXED = {
    "uidb64": "MQ",
    "token": "jeton-invalide",
    "code": "clea",
    "contract": "candidates",
    "extension": "csv",
    "kind": KINDS[ExportKind.CASE_FILES].slug,
    "fmt": "csv",
    "step": "identity",
    "app_label": "accreditation",
    "url": "inconnu/",
    "ref": "DOS-A",  # an API file's reference: no key, no answer but 401
    "lot_id": "1",
}


# --- The state a refused POST must leave untouched --------------------------------------------------------


def fingerprint() -> str:
    """A digest of everything a POST could change: audit trail, tasks, files, certificates… in one query."""
    parts = []
    for label, fields in _WATCHED:
        meta = apps.get_model(label)._meta
        columns = ", ".join(
            meta.get_field(f).column if f != "pk" else meta.pk.column for f in ["pk", *fields]
        )
        # Table and column names come from the models, never from input.
        select = f"SELECT '{meta.db_table}' AS t, md5(coalesce(string_agg(row({columns})::text, ','"
        parts.append(f"{select} ORDER BY {meta.pk.column}), '')) AS h FROM {meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        # UNION ALL promises no order (a parallel plan returns the parts as they finish): sorted by table.
        return ";".join(sorted(f"{t}:{h}" for t, h in cursor.fetchall()))


def changed_tables(before: str, after: str) -> list[str]:
    """The tables whose digest differs between two fingerprints (to say what a refused POST changed)."""
    old = dict(part.split(":", 1) for part in before.split(";") if part)
    return sorted(
        table
        for table, digest in (p.split(":", 1) for p in after.split(";") if p)
        if old.get(table) != digest
    )


_WATCHED: list[tuple[str, tuple[str, ...]]] = [
    ("audit.AuditEvent", ()),
    ("viewflow.Task", ("status", "owner")),
    ("viewflow.Process", ("status",)),
    ("casefiles.CaseFile", ("state", "evaluation_site")),
    ("casefiles.CaseFileDocument", ()),
    ("casefiles.Candidate", ("last_name", "first_name", "email")),
    ("casefiles.JurySession", ("status",)),
    ("casefiles.AgendaItem", ("decision",)),
    ("casefiles.Certificate", ("status",)),
    ("accreditation.Accreditation", ("status",)),
    ("accreditation.AccreditationCampaign", ("status",)),
    ("accreditation.AccreditationApplication", ("status",)),
    ("notifications.Notification", ("read_at",)),
    ("notifications.Preference", ()),
    ("imports.ImportJob", ("status",)),
    ("exports.ExportJob", ("status",)),
    ("fees.FeePeriod", ("status",)),
    ("fees.Statement", ("status", "number")),
    ("fees.FeeSchedule", ("valid_from",)),
    ("fees.FeeRate", ("amount_ht", "vat_rate")),
    ("api.ApiKey", ("revoked_at", "last_used_at")),
]
