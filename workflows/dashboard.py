"""The processes' kanban: one card per waiting task naming who and what it is about (the candidate or the
organisation, the certification), how long it has waited and when it is due, read in a bounded number of
queries whatever the number of cards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.status import STATUS


@dataclass(frozen=True)
class Card:
    """What a kanban card says about a task."""

    task: Any
    who: str
    what: str
    days_waiting: int
    due_on: dt.date | None = None

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


class CardDashboardView(flow_views.DashboardView):
    """Viewflow's dashboard with cards that name the file: the subclass says what to read with each task
    (`card_related`, `card_prefetch`) and how to word its card (`card`)."""

    template_name = "workflows/process_dashboard.html"
    card_related: ClassVar[tuple[str, ...]] = ()
    card_prefetch: ClassVar[tuple[str, ...]] = ()

    def card(self, task: Any) -> Card:
        raise NotImplementedError

    def cards(self, tasks: QuerySet) -> list[Card]:
        rows = list(tasks.select_related(*self.card_related).prefetch_related(*self.card_prefetch))
        return [self.card(task) for task in rows]

    def available_tasks(self) -> QuerySet:
        manager = self.flow_class.task_class._default_manager
        return manager.filter_available([self.flow_class], self.request.user).order_by("created", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        sorted_nodes, _ = chart.topsort(self.flow_class)
        waiting = Q(finished__isnull=True) | Q(status=STATUS.ERROR)
        columns = [
            {
                "node": node,
                "node_ref": get_task_ref(node),
                "cards": self.cards(self.available_tasks().filter(waiting, flow_task=node)[: self.MAX_ROWS]),
            }
            for node in sorted_nodes
            if node.task_type in ("HUMAN", "JOB", "SUBPROCESS")
        ]
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        finished = self.available_tasks().filter(finished__isnull=False, flow_task__in=end_nodes)
        start_nodes = [
            {"node": node, "can_execute": node.can_execute(self.request.user)}
            for node in self.flow_class.instance.get_start_nodes()
        ]
        return super(flow_views.DashboardView, self).get_context_data(
            columns=columns,
            start_nodes=start_nodes,
            end_nodes=end_nodes,
            finished=self.cards(finished.order_by("-finished", "-pk")[: self.MAX_ROWS]),
            **kwargs,
        )


def days_since(moment: dt.datetime) -> int:
    return (timezone.now() - moment).days
