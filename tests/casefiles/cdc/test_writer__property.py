"""For any passages the dataclasses accept, the written file is valid and gives back the ids and names."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from casefiles.cdc import Passage, validate_flux
from casefiles.cdc.formats import qname
from casefiles.cdc.writer import ACCESS_MODES
from tests.casefiles.cdc.builders import write

letters = st.characters(categories=["L"])
names = st.text(alphabet=letters, min_size=1, max_size=20).flatmap(
    lambda head: st.text(alphabet=st.sampled_from(" -'’") | letters, max_size=40).map(
        lambda tail: head + tail
    )
)
ids = st.text(alphabet=st.characters(categories=["L", "N", "Pd"]), min_size=1, max_size=40)
dates = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31))


@st.composite
def passages(draw: st.DrawFn, id_technique: str) -> Passage:
    place = draw(st.sampled_from(["birth_commune_code", "birth_postal_code", "birth_country_code"]))
    code = {
        "birth_commune_code": st.from_regex(r"[0-9][0-9AB][0-9]{3}", fullmatch=True),
        "birth_postal_code": st.from_regex(r"[0-9]{5}", fullmatch=True),
        "birth_country_code": st.from_regex(r"[0-9]{3}", fullmatch=True),
    }[place]
    birth_place: dict[str, Any] = {place: draw(code)}
    return Passage(
        id_technique=id_technique,
        awarded_on=draw(st.dates(min_value=dt.date(2021, 7, 1), max_value=dt.date(2030, 12, 31))),
        url_preuve=draw(st.sampled_from(["", "https://certifpro.example/verification/ABC-123"])),
        birth_name=draw(names),
        usual_name=draw(st.just("") | names),
        first_names=tuple(draw(st.lists(names, min_size=1, max_size=3))),
        birth_date=draw(dates),
        birth_date_precision=draw(st.sampled_from(["day", "month", "year"])),
        sex=draw(st.sampled_from(["M", "F"])),
        access_mode=draw(st.none() | st.sampled_from(sorted(ACCESS_MODES))),
        exam_started_on=draw(st.none() | dates),
        **birth_place,
    )


@st.composite
def batches(draw: st.DrawFn) -> list[Passage]:
    unique_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    return [draw(passages(id_technique)) for id_technique in unique_ids]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches())
def test_any_accepted_passages_give_a_valid_file_with_the_same_ids_and_names(batch):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flux.xml"

        write(path, batch)

        assert validate_flux(path) == []
        root = etree.parse(str(path)).getroot()
        read = [
            (p.findtext(qname("idTechnique")), p.findtext(f".//{qname('nomNaissance')}"))
            for p in root.iter(qname("passageCertification"))
        ]
    assert read == [(passage.id_technique, " ".join(passage.birth_name.split())) for passage in batch]
