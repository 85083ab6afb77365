"""Names, not paths: product code builds its redirects, links and notification URLs with `reverse()` (or a
model's `get_absolute_url`) from the named routes, its templates with `{% url %}` (or `get_absolute_url`),
and the routes keep their patterns, because stored notification links and the audit trail hold the paths
they produced."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accreditation.models import AccreditationApplication, AccreditationCampaign
from casefiles.documents import verification_url
from casefiles.models import CaseFile, Certificate, JurySession

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backoffice", "accreditation", "casefiles", "workflows")
# Where a literal path belongs: the URL patterns themselves, the benchmarks (the locust file runs without
# Django), the tests.
EXCLUDED_DIRS = {"tests", "benchmarks", "migrations"}


def first_segments() -> set[str]:
    """The first segment of every route of the project ("jurys", "candidats", "admin"…)."""
    segments: set[str] = set()

    def walk(entries: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern).lstrip("^")
            if "/" in route or isinstance(entry, URLPattern):
                first = route.split("/", 1)[0]
                if re.fullmatch(r"[\w.-]+", first):
                    segments.add(first)
            else:
                walk(entry.url_patterns, route)

    walk(get_resolver().url_patterns, "")
    return segments


def literal_paths(source: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """The string constants (f-string parts included, docstrings not) that spell a path of the site."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and pattern.match(node.value)
    )


def product_modules() -> list[Path]:
    modules = []
    for package in PACKAGES:
        for module in sorted((ROOT / package).rglob("*.py")):
            relative = module.relative_to(ROOT)
            if EXCLUDED_DIRS & set(relative.parts) or module.name == "urls.py":
                continue
            modules.append(module)
    return modules


@pytest.fixture(scope="module")
def site_path() -> re.Pattern[str]:
    segments = first_segments()
    assert {"jurys", "candidats", "campagnes", "certificats", "tableaux-de-bord", "verifier"} <= segments
    alternatives = "|".join(sorted(map(re.escape, segments)))
    return re.compile(rf"^/({alternatives})(/|$|\.|\?)")


def test_no_literal_url_path_in_product_code(site_path):
    found = [
        f"{module.relative_to(ROOT)}:{line}: {value!r}"
        for module in product_modules()
        for line, value in literal_paths(module.read_text(encoding="utf-8"), site_path)
    ]
    assert found == [], "Build these URLs with reverse() from the route names:\n" + "\n".join(found)


def test_the_scan_sees_a_literal_path_in_a_redirect_or_an_f_string(site_path):
    source = '''
def view(request, pk):
    """Back to /jurys/ (a docstring may name a page)."""
    if pk:
        return redirect(f"/jurys/{pk}/")
    return HttpResponseRedirect("/candidats/dossiers/?state=open")
'''
    assert [value for _, value in literal_paths(source, site_path)] == [
        "/jurys/",
        "/candidats/dossiers/?state=open",
    ]
    assert literal_paths('SEPARATOR = "/"\nname = base.rstrip("/")', site_path) == []
    assert product_modules(), "the scan found no module: the layout moved"


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        # notification links (notifications_notification.link, the digest's context.url)
        (lambda: CaseFile(pk=12).get_absolute_url(), "/candidats/dossiers/12/detail/"),
        (lambda: AccreditationApplication(pk=5).get_absolute_url(), "/campagnes/candidatures/5/"),
        (lambda: JurySession(pk=7).get_absolute_url(), "/jurys/7/"),
        (lambda: reverse("annuaire:habilitations:index"), "/annuaire/habilitations/"),
        # the audit trail of a session's minutes (append-only)
        (lambda: JurySession(pk=7).minutes_url(), "/jurys/7/proces-verbal.pdf"),
        # pages redirected to
        (lambda: AccreditationCampaign(pk=3).get_absolute_url(), "/campagnes/3/"),
        (lambda: Certificate(pk=9).get_absolute_url(), "/certificats/9/"),
        (lambda: reverse("index"), "/"),
    ],
)
def test_the_named_routes_keep_the_paths_stored_in_the_database(url, stored):
    assert url() == stored


@override_settings(PUBLIC_BASE_URL="https://clea.example.org/")
def test_the_qr_code_points_to_the_public_verification_page():
    assert verification_url("CLEA-2026-000042") == "https://clea.example.org/verifier/CLEA-2026-000042/"


def product_templates() -> list[Path]:
    """Every template of the product apps (the pages, the e-mails, the overridden Viewflow templates)."""
    return [
        template
        for package in PACKAGES
        for template in sorted((ROOT / package).rglob("*"))
        if template.is_file()
        and "templates" in template.relative_to(ROOT).parts
        and template.suffix in {".html", ".txt"}
    ]


ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*["'](/[^"'\n]*)""")


def literal_template_paths(text: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """The attributes (href, action, src, data-…) whose value starts with a path of the site."""
    return [
        (text.count("\n", 0, match.start()) + 1, f"{match.group(1)}={match.group(2)}")
        for match in ATTRIBUTE.finditer(text)
        if pattern.match(match.group(2))
    ]


def test_no_literal_url_path_in_the_templates(site_path):
    found = [
        f"{template.relative_to(ROOT)}:{line}: {value}"
        for template in product_templates()
        for line, value in literal_template_paths(template.read_text(encoding="utf-8"), site_path)
    ]
    assert found == [], (
        "Build these links with {% url 'namespace:name' … %} or {{ object.get_absolute_url }}:\n"
        + "\n".join(found)
    )


def test_the_template_scan_sees_a_literal_path_in_an_attribute(site_path):
    template = """<a href="/jurys/{{ session.pk }}/">{{ session }}</a>
<form method="post" action='/imports/deposer/'>{% csrf_token %}</form>
<progress data-state-url="/imports/{{ job.pk }}/etat/"></progress> <a href="/exports">Exports</a>
<a href="{% url 'jurys:session' session.pk %}">{{ session }}</a> <a href="{{ session.get_absolute_url }}">
<a href="/">Accueil</a> <a href="#top">Haut</a> <img src="{% static 'logo.svg' %}">
Voir /jurys/ pour la liste.
"""
    assert literal_template_paths(template, site_path) == [
        (1, "href=/jurys/{{ session.pk }}/"),
        (2, "action=/imports/deposer/"),
        (3, "data-state-url=/imports/{{ job.pk }}/etat/"),
        (3, "href=/exports"),
    ]
    scanned = {template.relative_to(ROOT).as_posix() for template in product_templates()}
    assert "casefiles/templates/casefiles/juries/session_detail.html" in scanned, "the layout moved"
