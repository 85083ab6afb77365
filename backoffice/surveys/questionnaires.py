"""The questionnaire versions, as JSON files: loaded once each (a version never changes once loaded)."""

from __future__ import annotations

import json
from pathlib import Path

from .models import Questionnaire

DIRECTORY = Path(__file__).parent / "questionnaires"


def load_questionnaires() -> int:
    """Create the versions not yet in the database; returns how many were created (idempotent)."""
    created = 0
    for path in sorted(DIRECTORY.glob("v*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        _, new = Questionnaire.objects.get_or_create(
            version=data["version"], defaults={"title": data["title"], "questions": data["questions"]}
        )
        created += new
    return created
