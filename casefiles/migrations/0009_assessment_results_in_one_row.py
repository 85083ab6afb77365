"""An assessment's results stored with it (one JSON document) instead of one row per sub-domain and per
criterion: the recorded results are copied, then the two tables dropped."""

from django.db import migrations, models


def copy_results(apps, schema_editor):
    Assessment = apps.get_model("casefiles", "Assessment")
    SubDomainResult = apps.get_model("casefiles", "SubDomainResult")
    CriterionResult = apps.get_model("casefiles", "CriterionResult")
    results: dict[int, dict[str, bool]] = {}
    criteria: dict[int, dict[str, bool]] = {}
    for assessment_id, code, acquired in SubDomainResult.objects.order_by(
        "assessment_id", "subdomain__domain__position", "subdomain__position"
    ).values_list("assessment_id", "subdomain__code", "acquired"):
        results.setdefault(assessment_id, {})[code] = acquired
    for assessment_id, code, met in CriterionResult.objects.order_by(
        "assessment_id", "criterion__subdomain__domain__position", "criterion__subdomain__position", "id"
    ).values_list("assessment_id", "criterion__code", "met"):
        criteria.setdefault(assessment_id, {})[code] = met
    changed = []
    for assessment in Assessment.objects.filter(pk__in=set(results) | set(criteria)).iterator():
        assessment.results = results.get(assessment.pk, {})
        assessment.criteria = criteria.get(assessment.pk, {})
        changed.append(assessment)
    Assessment.objects.bulk_update(changed, ["results", "criteria"], batch_size=1000)


def copy_back(apps, schema_editor):
    Assessment = apps.get_model("casefiles", "Assessment")
    SubDomain = apps.get_model("accreditation", "SubDomain")
    Criterion = apps.get_model("accreditation", "Criterion")
    SubDomainResult = apps.get_model("casefiles", "SubDomainResult")
    CriterionResult = apps.get_model("casefiles", "CriterionResult")
    for assessment in Assessment.objects.select_related("case_file").iterator():
        framework = assessment.case_file.framework_version_id
        subdomains = {
            s.code: s for s in SubDomain.objects.filter(domain__framework_version_id=framework)
        }
        criteria = {c.code: c for c in Criterion.objects.filter(subdomain__domain__framework_version_id=framework)}
        SubDomainResult.objects.bulk_create(
            SubDomainResult(assessment=assessment, subdomain=subdomains[code], acquired=acquired)
            for code, acquired in assessment.results.items()
        )
        CriterionResult.objects.bulk_create(
            CriterionResult(assessment=assessment, criterion=criteria[code], met=met)
            for code, met in assessment.criteria.items()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0001_initial"),
        ("casefiles", "0008_casefile_reference_by_site"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="criteria",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="code du critère → satisfait, quand saisis un à un",
                verbose_name="critères",
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="results",
            field=models.JSONField(
                default=dict,
                help_text="code du sous-domaine → acquis (vrai/faux)",
                verbose_name="résultats par sous-domaine",
            ),
        ),
        migrations.RunPython(copy_results, copy_back),
        migrations.DeleteModel(name="CriterionResult"),
        migrations.DeleteModel(name="SubDomainResult"),
    ]
