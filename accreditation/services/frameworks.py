"""Framework versions: drafting, structural checks and publication."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record

from ..events import AccreditationEvent
from ..models import Certification, Criterion, Domain, FrameworkStatus, FrameworkVersion, SubDomain
from ..rules import structure_errors


@transaction.atomic
def create_framework_version(spec: dict[str, Any], *, actor: SystemActor) -> FrameworkVersion:
    """Create a draft framework version from a nested spec (domains → sub-domains → criteria)."""
    certification = Certification.objects.get(code=spec["certification"])
    version = FrameworkVersion(certification=certification, version=spec["version"], label=spec["label"])
    version.full_clean()
    version.save()
    for d_pos, d_spec in enumerate(spec.get("domains", []), start=1):
        domain = Domain.objects.create(
            framework_version=version,
            code=d_spec["code"],
            label=d_spec["label"],
            to_confirm=d_spec.get("to_confirm", False),
            position=d_pos,
        )
        for s_pos, s_spec in enumerate(d_spec.get("subdomains", []), start=1):
            _create_subdomain(domain, s_spec, s_pos)
    record(
        AccreditationEvent.FRAMEWORK_DRAFTED,
        actor=actor,
        subject=version,
        summary=f"Brouillon {version.label} créé.",
    )
    return version


def _create_subdomain(domain: Domain, spec: dict[str, Any], position: int) -> SubDomain:
    subdomain = SubDomain.objects.create(
        domain=domain,
        code=spec["code"],
        label=spec["label"],
        to_confirm=spec.get("to_confirm", False),
        position=position,
        threshold_pct=spec.get("threshold_pct", 75),
    )
    by_code = {}
    for c_pos, c_spec in enumerate(spec.get("criteria", []), start=1):
        by_code[c_spec["code"]] = Criterion.objects.create(
            subdomain=subdomain,
            code=c_spec["code"],
            label=c_spec["label"],
            to_confirm=c_spec.get("to_confirm", False),
            position=c_pos,
        )
    mandatory = spec.get("mandatory_criterion")
    if mandatory:
        if mandatory not in by_code:
            raise ValidationError(
                f"Le critère obligatoire {mandatory} n'appartient pas au sous-domaine {subdomain.code}."
            )
        subdomain.mandatory_criterion = by_code[mandatory]
        subdomain.save(update_fields=["mandatory_criterion"])
    return subdomain


@transaction.atomic
def publish_framework_version(version: FrameworkVersion, *, actor: SystemActor) -> FrameworkVersion:
    """Publish a complete draft; the previously published version of the certification is superseded."""
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != FrameworkStatus.DRAFT:
        raise ValidationError("Seul un brouillon peut être publié.")
    errors = structure_errors(version.domains.prefetch_related("subdomains__criteria"))
    if errors:
        raise ValidationError(errors)
    previous = FrameworkVersion.objects.filter(
        certification=version.certification_id, status=FrameworkStatus.PUBLISHED
    )
    superseded = [str(v.pk) for v in previous]
    previous.update(status=FrameworkStatus.SUPERSEDED)
    version.status = FrameworkStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    record(
        AccreditationEvent.FRAMEWORK_PUBLISHED,
        actor=actor,
        subject=version,
        summary=f"{version.label} publié ; les nouveaux dossiers l'utilisent.",
        data={"superseded": superseded},
    )
    return version


@transaction.atomic
def draft_framework_version_from(
    source: FrameworkVersion, *, version: str, label: str, actor: Actor
) -> FrameworkVersion:
    """Copy a version into a new draft that an administrator can edit, then publish."""
    spec = {
        "certification": source.certification.code,
        "version": version,
        "label": label,
        "domains": [
            {
                "code": d.code,
                "label": d.label,
                "to_confirm": d.to_confirm,
                "subdomains": [
                    {
                        "code": s.code,
                        "label": s.label,
                        "to_confirm": s.to_confirm,
                        "threshold_pct": s.threshold_pct,
                        "mandatory_criterion": s.mandatory_criterion.code if s.mandatory_criterion else None,
                        "criteria": [
                            {"code": c.code, "label": c.label, "to_confirm": c.to_confirm}
                            for c in s.criteria.all()
                        ],
                    }
                    for s in d.subdomains.select_related("mandatory_criterion").prefetch_related("criteria")
                ],
            }
            for d in source.domains.all()
        ],
    }
    return create_framework_version(spec, actor=actor)
