"""One person, one record: the identity locks taken before a person is created or renamed (the person a
record designates is found by `casefiles.selectors.person_with_identity` / `people_with_identities`, by the
identity rule `casefiles.rules.identity`), for one opening, a batch of imported rows, or a rectification.
Every path that could create or change a person goes through these."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection

from casefiles.rules.identity import identity_key

from ..models import Candidate
from ..selectors import person_with_identity

_LOCK_SPACE = 0x1D  # the advisory locks of identities (two-key form: space, key's checksum)


def lock_identity(key: str) -> None:
    """Serialise, until the transaction ends, whoever creates or renames a person of this identity (two
    openings of one new person at once would otherwise both find nobody and create two records)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, _lock_id(key)])


def lock_identities(keys: Iterable[str]) -> None:
    """`lock_identity` for many keys in one statement, in ascending lock order: two imports locking
    overlapping sets wait for each other instead of deadlocking."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({_lock_id(key) for key in keys})
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, id) "
                "FROM (SELECT unnest(%s::integer[]) AS id ORDER BY id) AS ids",
                [_LOCK_SPACE, ids],
            )


def _lock_id(key: str) -> int:
    return zlib.crc32(key.encode()) - 2**31


def ensure_not_a_twin(candidate: Candidate) -> None:
    """A correction must not make a person identical to another one: that would be two records of one
    person, which only an administrator merges (nothing is merged silently)."""
    key = identity_key(candidate.last_name, candidate.first_name, candidate.birth_date)
    lock_identity(key)
    twin = person_with_identity(key, exclude=candidate.pk)
    if twin is not None:
        raise ValidationError(
            "Un·e autre candidat·e porte déjà ce nom, ce prénom et cette date de naissance (aux "
            "majuscules, accents, tirets et espaces près) : la rectification en ferait deux dossiers "
            "d'une même personne. Rien n'a été modifié ; signalez le doublon à un·e administrateur·rice."
        )
