"""Data: the assessments recorded before the verdict's source was stored say which sub-domains their criteria
decided (those whose criteria were recorded one by one); the others stay the assessor's verdict."""

from django.db import migrations

CHUNK = 2000  # written as read: millions of assessments never sit in memory at once


def fill_sources(apps, schema_editor):
    Assessment = apps.get_model("casefiles", "Assessment")
    Criterion = apps.get_model("accreditation", "Criterion")
    subdomain_of: dict[int, dict[str, str]] = {}  # framework -> criterion code -> sub-domain code
    chunk = []
    recorded = (
        Assessment.objects.exclude(criteria={})
        .select_related("case_file")
        .only("pk", "criteria", "results", "case_file__framework_version")
        .order_by("pk")
    )
    for assessment in recorded.iterator(chunk_size=CHUNK):
        framework = assessment.case_file.framework_version_id
        if framework not in subdomain_of:
            subdomain_of[framework] = dict(
                Criterion.objects.filter(subdomain__domain__framework_version_id=framework).values_list(
                    "code", "subdomain__code"
                )
            )
        codes = {subdomain_of[framework].get(code) for code in assessment.criteria}
        assessment.decided_by_criteria = [code for code in assessment.results if code in codes]
        chunk.append(assessment)
        if len(chunk) == CHUNK:
            Assessment.objects.bulk_update(chunk, ["decided_by_criteria"])
            chunk = []
    Assessment.objects.bulk_update(chunk, ["decided_by_criteria"])


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0001_initial"),
        ("casefiles", "0012_assessment_decided_by_criteria"),
    ]

    operations = [migrations.RunPython(fill_sources, migrations.RunPython.noop)]
