"""Admin for reference data, organisations, accreditations and people's scopes; every change goes through a
service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from import_export.admin import ExportMixin

from accreditation.forms.admin import (
    AccreditationForm,
    DraftVersionForm,
    OrganisationForm,
    ReasonForm,
    SiteForm,
    UserScopeForm,
)
from backoffice.core.accounts.admin import UserAdmin
from backoffice.core.accounts.models import User
from backoffice.core.accounts.types import actor_of
from backoffice.core.audit.events import record

from . import services
from .models import (
    Accreditation,
    AccreditationStatusChange,
    Certification,
    Criterion,
    Department,
    Domain,
    FrameworkVersion,
    Organisation,
    Region,
    Site,
    SubDomain,
    UserScope,
)
from .resources import AccreditationResource, OrganisationResource, SiteResource


def ask_in_action_form(
    modeladmin: admin.ModelAdmin, request: Any, *, form: Any, objects: Any, title: str
) -> Any:
    """The intermediate page of an admin action that needs input (a reason, a version name)."""
    context = {
        "form": form,
        "objects": objects,
        "title": title,
        "action": request.POST["action"],
        "opts": modeladmin.model._meta,
    }
    return render(request, "admin/accreditation/action_form.html", context)


class AuditedAdmin(admin.ModelAdmin):
    """Plain edits of reference rows still leave a trace in the audit trail."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
        record(
            verb,
            actor=actor_of(request),
            subject=obj,
            summary="Modifié dans l'administration.",
            data={"champs": list(form.changed_data)},
        )

    def delete_model(self, request: Any, obj: Any) -> None:
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            _record_deletion(request, obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record(f"{obj._meta.model_name}.created", actor=actor_of(request), subject=obj, summary="Ajouté.")
        for obj, fields in formset.changed_objects:
            record(
                f"{obj._meta.model_name}.updated",
                actor=actor_of(request),
                subject=obj,
                summary="Modifié.",
                data={"champs": list(fields)},
            )
        for obj in formset.deleted_objects:
            _record_deletion(request, obj)


def _record_deletion(request: Any, obj: Any) -> None:
    record(
        f"{obj._meta.model_name}.deleted",
        actor=actor_of(request),
        subject=obj,
        summary="Supprimé dans l'administration.",
    )


class ReferenceAdmin(AuditedAdmin):
    """Territories and certifications are referenced everywhere: edited, never deleted."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


def _editable(obj: Any) -> bool:
    """Whether a framework version (or one of its parts) is still a draft."""
    if obj is None:
        return True
    version = obj if isinstance(obj, FrameworkVersion) else obj.framework()
    return version.is_editable


class FrameworkPartAdmin(AuditedAdmin):
    """Published framework versions are read-only: case files were assessed against them."""

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        if not all(_editable(obj) for obj in queryset):
            raise PermissionDenied("Une version publiée ne peut pas être modifiée.")
        super().delete_queryset(request, queryset)


class FrameworkPartInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and _editable(obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(obj)


class NoDeleteAdmin(admin.ModelAdmin):
    """Ended by a service (withdrawal, closure), never deleted: the history must stay."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ExportMixin, ReferenceAdmin):
    list_display = ("name", "code", "insee_code")
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(ExportMixin, ReferenceAdmin):
    list_display = ("code", "name", "region")
    list_filter = ("region",)
    search_fields = ("name", "code")


@admin.register(Certification)
class CertificationAdmin(ReferenceAdmin):
    list_display = ("code", "name", "number_prefix", "rs_code", "rs_valid_until")


class DomainInline(FrameworkPartInline):
    model = Domain
    fields = ("position", "code", "label", "to_confirm")


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(FrameworkPartAdmin):
    list_display = ("label", "certification", "version", "status", "published_at")
    list_filter = ("certification", "status")
    readonly_fields = ("status", "published_at")
    inlines = [DomainInline]
    actions = ["publish", "draft_copy"]

    @admin.action(description="Publier la version sélectionnée")
    def publish(self, request: Any, queryset: Any) -> None:
        for version in queryset:
            try:
                services.publish_framework_version(version, actor=actor_of(request))
                self.message_user(request, f"{version.label} publié.", messages.SUCCESS)
            except ValidationError as error:
                self.message_user(request, f"{version.label} : " + " ".join(error.messages), messages.ERROR)

    @admin.action(description="Créer un nouveau brouillon à partir de cette version")
    def draft_copy(self, request: Any, queryset: Any) -> Any:
        if queryset.count() != 1:
            self.message_user(request, "Choisissez une seule version à copier.", messages.ERROR)
            return None
        source = queryset.get()
        form = DraftVersionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return ask_in_action_form(
                self, request, form=form, objects=[source], title="Créer un nouveau brouillon"
            )
        try:
            draft = services.draft_framework_version_from(
                source, actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        self.message_user(
            request, f"Brouillon créé : {draft.label}. Modifiez-le puis publiez-le.", messages.SUCCESS
        )
        return None


class SubDomainInline(FrameworkPartInline):
    model = SubDomain
    fields = ("position", "code", "label", "to_confirm", "threshold_pct")


@admin.register(Domain)
class DomainAdmin(FrameworkPartAdmin):
    list_display = ("code", "label", "framework_version")
    list_filter = ("framework_version",)
    inlines = [SubDomainInline]


class CriterionInline(FrameworkPartInline):
    model = Criterion
    fields = ("position", "code", "label", "to_confirm")
    show_change_link = False


@admin.register(SubDomain)
class SubDomainAdmin(FrameworkPartAdmin):
    list_display = ("code", "label", "threshold_pct", "mandatory_criterion", "to_confirm")
    list_filter = ("domain__framework_version", "to_confirm")
    search_fields = ("code", "label")
    inlines = [CriterionInline]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "mandatory_criterion" and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Criterion.objects.filter(
                subdomain_id=request.resolver_match.kwargs["object_id"]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Criterion)
class CriterionAdmin(FrameworkPartAdmin):
    list_display = ("code", "label", "subdomain", "to_confirm")
    list_filter = ("subdomain__domain__framework_version", "to_confirm")
    search_fields = ("code", "label")


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ("name", "siret", "postcode", "city", "department")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ExportMixin, NoDeleteAdmin):
    resource_classes = [OrganisationResource]
    form = OrganisationForm
    list_display = ("legal_name", "siren", "nda")
    search_fields = ("legal_name", "siren")
    inlines = [SiteInline]

    def save_model(self, request: Any, obj: Organisation, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in ("siren", "legal_name", "nda")}
        if change:
            services.update_organisation(Organisation.objects.get(pk=obj.pk), actor=actor_of(request), **data)
        else:
            created = services.register_organisation(actor=actor_of(request), **data)
            obj.pk, obj._state.adding = created.pk, False


@admin.register(Site)
class SiteAdmin(ExportMixin, NoDeleteAdmin):
    resource_classes = [SiteResource]
    form = SiteForm
    list_display = ("name", "siret", "organisation", "city", "department", "region")
    list_filter = ("region",)
    search_fields = ("name", "siret", "organisation__legal_name", "city")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("departments_covered",)

    def save_model(self, request: Any, obj: Site, form: Any, change: bool) -> None:
        fields = ("siret", "name", "address", "postcode", "city", "department", "departments_covered")
        data = {name: form.cleaned_data[name] for name in fields}
        if change:
            services.update_site(Site.objects.get(pk=obj.pk), actor=actor_of(request), **data)
        else:
            created = services.add_site(form.cleaned_data["organisation"], actor=actor_of(request), **data)
            obj.pk, obj._state.adding = created.pk, False
        obj.refresh_from_db()

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        pass  # the coverage was saved by the service, with its audit event


def _status_action(service: Any, description: str) -> Any:
    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> Any:
        if "apply" not in request.POST:
            return ask_in_action_form(
                modeladmin, request, form=ReasonForm(), objects=queryset, title=description
            )
        form = ReasonForm(request.POST)
        if not form.is_valid():
            modeladmin.message_user(request, "Le motif est obligatoire.", messages.ERROR)
            return None
        for accreditation in queryset:
            try:
                service(accreditation, reason=form.cleaned_data["reason"], actor=actor_of(request))
            except ValidationError as error:
                modeladmin.message_user(
                    request, f"{accreditation} : {' '.join(error.messages)}", messages.ERROR
                )
        return None

    action.__name__ = service.__name__
    return action


class StatusChangeInline(admin.TabularInline):
    """The dated status history (written by the lifecycle services only): what an act is judged by."""

    model = AccreditationStatusChange
    fields = ("effective_on", "status", "reason", "recorded_at", "recorded_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Accreditation)
class AccreditationAdmin(ExportMixin, NoDeleteAdmin):
    resource_classes = [AccreditationResource]
    form = AccreditationForm

    def get_inlines(self, request: Any, obj: Any = None) -> list[Any]:
        return [StatusChangeInline] if obj is not None else []  # a new accreditation has no history yet

    list_display = ("site", "certification", "role", "valid_from", "valid_to", "status", "status_changed_on")
    list_filter = ("status", "role", "certification", "site__region")
    search_fields = ("site__name", "site__siret", "site__organisation__legal_name")
    autocomplete_fields = ("site",)
    list_select_related = ("site", "certification")
    actions = [
        _status_action(services.suspend_accreditation, "Suspendre"),
        _status_action(services.reinstate_accreditation, "Rétablir"),
        _status_action(services.withdraw_accreditation, "Retirer"),
    ]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        # Once granted, the period and status change only through the lifecycle actions.
        if obj is not None:
            return (
                "site",
                "certification",
                "role",
                "valid_from",
                "valid_to",
                "status",
                "status_changed_on",
                "status_reason",
            )
        return ()

    def save_model(self, request: Any, obj: Accreditation, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        try:
            created = services.grant_accreditation(
                data["site"],
                certification=data["certification"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
                actor=actor_of(request),
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            raise
        obj.pk, obj._state.adding = created.pk, False


@admin.register(UserScope)
class UserScopeAdmin(NoDeleteAdmin):
    form = UserScopeForm
    list_display = ("user", "national", "organisation")
    list_filter = ("national", "regions")
    search_fields = ("user__username", "user__last_name", "organisation__legal_name")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("regions",)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return ("user",) if obj is not None else ()

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        services.set_user_scope(
            form.instance.user,
            national=data["national"],
            regions=data["regions"],
            organisation=data["organisation"],
            actor=actor_of(request),
        )


class UserScopeInline(admin.StackedInline):
    model = UserScope
    can_delete = False
    extra = 0
    fields = ("national", "regions", "organisation")
    readonly_fields = fields
    verbose_name = "périmètre (modifiable depuis « Périmètres »)"

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# The user admin (accounts) shows each person's scope, which this domain owns.
admin.site.unregister(User)


@admin.register(User)
class UserWithScopeAdmin(UserAdmin):
    inlines = [UserScopeInline]
