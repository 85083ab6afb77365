"""The workload page: open pathway tasks per person and files per jury member, within each person's scope,
exported as shown; and the bulk reassignment of an absent evaluator's tasks by a supervisor, checked against
the step's permission and the new holder's scope, with one audit event per task moved."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.models import AuditEvent
from backoffice.dashboards.services import reassign_tasks
from casefiles.models import AgendaItem, College, JuryMember, JurySession, JurySessionStatus
from tests.dashboards.helpers import open_tasks
from tests.factories import UserFactory
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/charge/"
REASSIGN = "/tableaux-de-bord/charge/reassigner/"
TODAY = dt.date.today()
NEW, ASSIGNED, STARTED = STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED


def person(username: str, first: str, last: str, role: Role, **scope) -> object:  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, first_name=first, last_name=last, role=role)
    set_user_scope(user, actor=None, **scope)
    return user


@pytest.fixture
def alice(idf_site):  # type: ignore[no-untyped-def]
    return person("alice", "Alice", "Martin", Role.EVALUATOR_STAFF, organisation=idf_site.organisation)


@pytest.fixture
def bruno(idf_site):  # type: ignore[no-untyped-def]
    return person("bruno", "Bruno", "Petit", Role.EVALUATOR_STAFF, organisation=idf_site.organisation)


@pytest.fixture
def carla(ara_site):  # type: ignore[no-untyped-def]
    return person("carla", "Carla", "Durand", Role.EVALUATOR_STAFF, organisation=ara_site.organisation)


@pytest.fixture
def idf_supervisor(idf):  # type: ignore[no-untyped-def]
    return person("superviseur.idf", "Sam", "Idf", Role.SUPERVISOR, regions=[idf])


@pytest.fixture
def world(idf_site, ara_site, alice, bruno, carla):  # type: ignore[no-untyped-def]
    """Alice holds 3 tasks (3, 20 and 40 days old, one started), Bruno 1 (5 days), nobody 1 (100 days) in
    Île-de-France; Carla 2 in Auvergne-Rhône-Alpes (1 and 30 days). Positionings are due after 15 days."""
    return {
        "alice": open_tasks(
            idf_site, [(3, alice, STARTED), (20, alice, ASSIGNED), (40, alice, ASSIGNED)], name="Alice"
        ),
        "bruno": open_tasks(idf_site, [(5, bruno, ASSIGNED)], name="Bruno"),
        "free": open_tasks(idf_site, [(100, None, NEW)], name="Libre"),
        "carla": open_tasks(ara_site, [(1, carla, ASSIGNED), (30, carla, ASSIGNED)], name="Carla"),
    }


def table(response, key: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    html = unescape(response.content.decode())
    start = html.index(f'data-table="{key}"')
    body = html[html.index("<tbody>", start) + 7 : html.index("</tbody>", start)]
    rows = []
    for row in body.split("<tr>")[1:]:
        rows.append([cell.split(">", 1)[1].split("</td>")[0] for cell in row.split("<td")[1:]])
    return rows


def owners(tasks: list[CandidatePathwayTask]) -> list[object]:
    return [CandidatePathwayTask.objects.get(pk=task.pk).owner for task in tasks]


def reassigned_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb="task.reassigned").order_by("id"))


# --- the tables ------------------------------------------------------------------------------------------


def test_a_national_supervisor_sees_the_tasks_each_person_holds_started_and_late(
    client_for, supervisor, world
):
    response = client_for(supervisor).get(URL)

    assert response.status_code == 200
    assert table(response, "personnes") == [
        ["Alice Martin (alice)", "3", "1", "2"],
        ["Carla Durand (carla)", "2", "0", "1"],
        ["Bruno Petit (bruno)", "1", "0", "0"],
        ["(non assignées)", "1", "0", "1"],
    ]


def test_a_regional_supervisor_sees_only_the_tasks_of_their_region(client_for, idf_supervisor, world):
    response = client_for(idf_supervisor).get(URL)

    assert table(response, "personnes") == [
        ["Alice Martin (alice)", "3", "1", "2"],
        ["Bruno Petit (bruno)", "1", "0", "0"],
        ["(non assignées)", "1", "0", "1"],
    ]
    html = response.content.decode()
    holders = html[html.index('name="from_user"') : html.index("</select>", html.index('name="from_user"'))]
    assert "alice" in holders and "carla" not in holders


def test_the_period_filter_counts_the_tasks_created_in_it(client_for, supervisor, world):
    since = TODAY - dt.timedelta(days=10)

    response = client_for(supervisor).get(URL, {"start": since.isoformat()})

    assert table(response, "personnes") == [
        ["Carla Durand (carla)", "1", "0", "0"],
        ["Alice Martin (alice)", "1", "1", "0"],
        ["Bruno Petit (bruno)", "1", "0", "0"],
    ]


@pytest.fixture
def juries(idf, ara, idf_site, ara_site, jury_member):  # type: ignore[no-untyped-def]
    """Two upcoming sessions in Île-de-France (3 files, one decided; 1 file) and a closed one; one in ARA."""
    second = person("jury.bis", "Jeanne", "Bis", Role.JURY_MEMBER, regions=[idf])
    ara_member = person("jury.ara", "Paul", "Ara", Role.JURY_MEMBER, regions=[ara])
    files = [task.process.case_file for task in open_tasks(idf_site, [(1, None, NEW)] * 4, name="Jury")]
    ara_file = open_tasks(ara_site, [(1, None, NEW)], name="JuryAra")[0].process.case_file

    def session(region, days, status, members, agenda):  # type: ignore[no-untyped-def]
        held = TODAY + dt.timedelta(days=days)
        created = JurySession.objects.create(
            region=region, held_on=held, status=status, cutoff_on=held - dt.timedelta(days=10)
        )
        for member in members:
            JuryMember.objects.create(session=created, user=member, college=College.EMPLOYERS)
        for case_file, decision in agenda:
            AgendaItem.objects.create(session=created, case_file=case_file, decision=decision)

    session(
        idf,
        20,
        JurySessionStatus.PLANNED,
        [jury_member, second],
        [(f, "") for f in files[:2]] + [(files[2], "award")],
    )
    session(idf, 40, JurySessionStatus.OPEN, [jury_member], [(files[3], "")])
    session(idf, -30, JurySessionStatus.CLOSED, [jury_member, second], [(files[0], "award")])
    session(ara, 20, JurySessionStatus.PLANNED, [ara_member], [(ara_file, "")])


def test_jury_members_are_counted_on_their_upcoming_sessions_in_scope(
    client_for, idf_supervisor, supervisor, juries
):
    assert table(client_for(idf_supervisor).get(URL), "jury") == [
        [table_name_of("jury.idf"), "2", "4", "3"],
        [table_name_of("jury.bis"), "1", "3", "2"],
    ]
    assert [row[0] for row in table(client_for(supervisor).get(URL), "jury")] == [
        table_name_of("jury.idf"),
        table_name_of("jury.bis"),
        table_name_of("jury.ara"),
    ]


def table_name_of(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    return f"{user.get_full_name()} ({username})"


def test_the_export_of_a_table_is_exactly_its_rows(client_for, supervisor, world):
    client = client_for(supervisor)
    shown = table(client.get(URL), "personnes")

    exported = client.get(URL, {"table": "personnes", "format": "csv"})

    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["personne", "tâches ouvertes", "dont commencées", "en retard"]
    assert rows[1:] == shown
    assert client.get(URL, {"table": "jury", "format": "xlsx"}).status_code == 200


def test_the_approval_tasks_are_counted_per_person_for_those_who_may_see_them(
    client_for, supervisor, officer, evaluator
):
    from tests.accreditation.test_services__instruction import ready_to_submit
    from workflows.models import AccreditationApprovalTask

    application = ready_to_submit(officer, evaluator)
    client_for(evaluator).post(f"/campagnes/candidatures/{application.pk}/deposer/")
    application.refresh_from_db()
    AccreditationApprovalTask.objects.filter(
        process_id=application.process_id, flow_task_type="HUMAN"
    ).update(owner=officer, status=ASSIGNED)

    response = client_for(supervisor).get(URL)

    assert table(response, "instruction") == [[table_name_of("officer.idf"), "1", "0", "0"]]


def test_organisation_staff_and_anonymous_people_are_kept_out(client_for, client, evaluator, world):
    assert client_for(evaluator).get(URL).status_code == 403
    assert client.get(URL).status_code == 302
    assert client.post(REASSIGN).status_code == 302


def test_the_page_makes_the_same_number_of_queries_whatever_the_number_of_tasks(
    client_for, supervisor, idf_site, alice, world
):
    client = client_for(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    open_tasks(idf_site, [(n, alice, ASSIGNED) for n in (1, 2, 8, 16, 32)], name="More")
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)

    assert table(response, "personnes")[0] == ["Alice Martin (alice)", "8", "1", "4"]
    assert len(more.captured_queries) == len(few.captured_queries)


# --- the reassignment ------------------------------------------------------------------------------------


def test_a_supervisor_moves_an_absent_evaluators_tasks_with_an_audit_event_each(
    supervisor, alice, bruno, world
):
    outcome = reassign_tasks(from_user=alice, to_user=bruno, actor=supervisor)

    assert (outcome.moved, outcome.left) == (3, 0)
    assert owners(world["alice"]) == [bruno, bruno, bruno]
    assert [
        t.status
        for t in CandidatePathwayTask.objects.filter(pk__in=[t.pk for t in world["alice"]]).order_by("pk")
    ] == [STARTED, ASSIGNED, ASSIGNED]
    events = reassigned_events()
    assert len(events) == 3
    assert {e.subject_id for e in events} == {str(t.process.case_file.pk) for t in world["alice"]}
    assert events[0].actor == supervisor
    assert events[0].summary == "Tâche « Évaluation préalable » réassignée de Alice Martin à Bruno Petit"


def test_a_target_without_the_steps_permission_is_refused_and_the_tasks_stay(
    supervisor, officer, alice, world
):
    outcome = reassign_tasks(from_user=alice, to_user=officer, actor=supervisor)

    assert (outcome.moved, outcome.left) == (0, 3)
    assert owners(world["alice"]) == [alice, alice, alice]
    assert reassigned_events() == []


def test_a_target_without_the_file_in_scope_is_refused_and_the_tasks_stay(supervisor, alice, carla, world):
    outcome = reassign_tasks(from_user=alice, to_user=carla, actor=supervisor)

    assert (outcome.moved, outcome.left) == (0, 3)
    assert owners(world["alice"]) == [alice, alice, alice]


def test_only_the_tasks_the_target_may_take_move_the_others_are_counted(
    supervisor, administrator, bruno, idf_site, ara_site, world
):
    idf_tasks = open_tasks(idf_site, [(2, administrator, ASSIGNED)], name="AdminIdf")
    ara_tasks = open_tasks(ara_site, [(2, administrator, ASSIGNED)], name="AdminAra")

    outcome = reassign_tasks(from_user=administrator, to_user=bruno, actor=supervisor)

    assert (outcome.moved, outcome.left) == (1, 1)
    assert owners(idf_tasks + ara_tasks) == [bruno, administrator]
    assert len(reassigned_events()) == 1


def test_a_regional_supervisor_cannot_reassign_a_task_outside_their_region(
    idf_supervisor, administrator, carla, bruno, idf_site, ara_site, world
):
    outside = reassign_tasks(
        from_user=carla, to_user=administrator, actor=idf_supervisor, task_ids=[world["carla"][0].pk]
    )
    assert (outside.moved, outside.left) == (0, 0)
    assert owners(world["carla"]) == [carla, carla]

    idf_task = open_tasks(idf_site, [(2, administrator, ASSIGNED)], name="AdminIdf")
    ara_task = open_tasks(ara_site, [(2, administrator, ASSIGNED)], name="AdminAra")
    within = reassign_tasks(from_user=administrator, to_user=bruno, actor=idf_supervisor)
    assert (within.moved, within.left) == (1, 0)
    assert owners(idf_task + ara_task) == [bruno, administrator]


def test_a_case_officer_may_not_reassign(client_for, officer, alice, bruno, world):
    with pytest.raises(PermissionDenied, match="superviseur"):
        reassign_tasks(from_user=alice, to_user=bruno, actor=officer)

    response = client_for(officer).post(
        REASSIGN, {"from_user": alice.pk, "to_user": bruno.pk, "confirm": "on"}
    )

    assert response.status_code == 403
    assert owners(world["alice"]) == [alice, alice, alice]
    assert reassigned_events() == []
    assert 'id="reassign-form"' not in client_for(officer).get(URL).content.decode()


def test_the_form_reassigns_and_tells_how_many_moved_and_stayed(
    client_for, supervisor, administrator, bruno, idf_site, ara_site, world
):
    open_tasks(idf_site, [(2, administrator, ASSIGNED)], name="AdminIdf")
    open_tasks(ara_site, [(2, administrator, ASSIGNED)], name="AdminAra")
    client = client_for(supervisor)
    page = client.get(URL).content.decode()
    assert 'id="reassign-form"' in page and "csrfmiddlewaretoken" in page

    response = client.post(
        REASSIGN, {"from_user": administrator.pk, "to_user": bruno.pk, "confirm": "on"}, follow=True
    )

    assert response.redirect_chain == [(URL, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        f"1 tâche(s) réassignée(s) de {administrator.get_full_name()} à Bruno Petit. 1 tâche(s) laissée(s) à "
        f"{administrator.get_full_name()} : Bruno Petit ne peut pas les prendre "
        "(permission de l'étape ou dossier hors de son périmètre)."
    ]


def test_an_unconfirmed_or_pointless_request_changes_nothing(client_for, supervisor, alice, bruno, world):
    client = client_for(supervisor)

    unconfirmed = client.post(REASSIGN, {"from_user": alice.pk, "to_user": bruno.pk})
    same = client.post(REASSIGN, {"from_user": alice.pk, "to_user": alice.pk, "confirm": "on"})

    assert unconfirmed.status_code == same.status_code == 302
    texts = [str(m) for m in get_messages(same.wsgi_request)]
    assert "Rien n'a été réassigné : Cochez la confirmation pour réassigner les tâches." in texts
    assert "Rien n'a été réassigné : Choisissez une autre personne que celle qui détient les tâches." in texts
    assert owners(world["alice"]) == [alice, alice, alice]
    assert reassigned_events() == []


def test_a_regional_supervisor_cannot_pick_a_holder_outside_their_region(
    client_for, idf_supervisor, carla, bruno, world
):
    response = client_for(idf_supervisor).post(
        REASSIGN, {"from_user": carla.pk, "to_user": bruno.pk, "confirm": "on"}
    )

    assert response.status_code == 302
    assert [
        str(m).startswith("Rien n'a été réassigné : Sélectionnez un choix valide")
        for m in get_messages(response.wsgi_request)
    ] == [True]
    assert owners(world["carla"]) == [carla, carla]


# --- the approval's tasks, held by case officers -----------------------------------------------------------


@pytest.fixture
def officer_holds_approval_tasks(officer, evaluator):  # type: ignore[no-untyped-def]
    """Two applications in instruction, both held by the Île-de-France officer: one at the completeness
    check, one escalated past its deadline (a supervisors' step)."""
    from tests.accreditation.test_services__instruction import ready_to_submit
    from tests.dashboards.test_backlog__approval import FLOW, application
    from workflows.approval.commands import submit_and_start
    from workflows.models import AccreditationApprovalTask

    first = submit_and_start(ready_to_submit(officer, evaluator), actor=evaluator)
    campaign = first.campaign
    second = application(campaign, "Beta", [("69001", ["CLEA_NUM"])])
    tasks = AccreditationApprovalTask.objects.filter(process_id__in=[first.process_id, second.process_id])
    tasks.filter(status=NEW).update(owner=officer, status=ASSIGNED)
    tasks.filter(process_id=second.process_id, status=ASSIGNED).update(
        flow_task=FLOW.completeness_check_escalated,
        owner_permission="workflows.manage_accreditationapprovalprocess",  # as the flow writes that step
    )
    return first, second


def test_an_absent_officers_approval_tasks_move_to_a_colleague_who_may_take_them(
    supervisor, officer, officer_of_other_region, officer_holds_approval_tasks
):
    from workflows.models import AccreditationApprovalTask

    first, second = officer_holds_approval_tasks

    outcome = reassign_tasks(from_user=officer, to_user=officer_of_other_region, actor=supervisor)

    # The check moves (applications are national); the escalated step is the supervisors': it stays.
    assert (outcome.moved, outcome.left) == (1, 1)
    held = dict(
        AccreditationApprovalTask.objects.filter(status=ASSIGNED).values_list("process_id", "owner_id")
    )
    assert held == {first.process_id: officer_of_other_region.pk, second.process_id: officer.pk}
    [event] = reassigned_events()
    assert (event.subject_type.model, event.subject_id) == ("accreditationapplication", str(first.pk))
    assert event.summary == (
        f"Tâche « Vérification de complétude » réassignée de {officer.get_full_name() or officer.username} "
        f"à {officer_of_other_region.get_full_name() or officer_of_other_region.username}"
    )


def test_a_supervisor_takes_the_escalated_approval_task_through_the_form(
    client_for, supervisor, officer, officer_holds_approval_tasks
):
    from workflows.models import AccreditationApprovalTask

    other = UserFactory(username="supervisor.two", role=Role.SUPERVISOR)
    set_user_scope(other, national=True, actor=None)
    client = client_for(supervisor)
    form = client.get(URL).context["reassign_form"]
    assert officer in form.fields["from_user"].queryset

    response = client.post(
        REASSIGN, {"from_user": officer.pk, "to_user": other.pk, "confirm": "on"}, follow=True
    )

    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("2 tâche(s) réassignée(s)")
    assert set(
        AccreditationApprovalTask.objects.filter(status=ASSIGNED).values_list("owner_id", flat=True)
    ) == {other.pk}
    assert len(reassigned_events()) == 2
