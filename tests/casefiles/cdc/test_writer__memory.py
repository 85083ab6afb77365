"""A file of 20,000 passages is written and checked in the memory of a few passages: the CDC takes files of
up to 200,000, and a whole tree of them would take hundreds of megabytes."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from casefiles.cdc import validate_flux
from tests.casefiles.cdc.builders import many_passages, write

COUNT = 20_000
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cdc") / "flux.xml"
    write(path, many_passages(COUNT))
    return path


def test_the_writer_holds_no_passage_it_has_written(tmp_path):
    path = tmp_path / "flux.xml"
    yielded: list[weakref.ref] = []
    live_at_progress: list[int] = []
    size_at_progress: list[int] = []

    def passages():
        for passage in many_passages(COUNT):
            yielded.append(weakref.ref(passage))
            yield passage

    def progress(written: int) -> None:
        gc.collect()
        live_at_progress.append(sum(ref() is not None for ref in yielded))
        size_at_progress.append(path.stat().st_size)

    assert write(path, passages(), progress=progress) == COUNT

    assert len(live_at_progress) == COUNT // 1_000
    assert max(live_at_progress) <= 2  # the passage being written (and the generator's own reference)
    # The bytes reach the file as the passages come: nothing waits for the end in a tree.
    assert size_at_progress == sorted(size_at_progress)
    assert size_at_progress[0] > 0.9 * path.stat().st_size / (COUNT // 1_000)


def _peak_megabytes(code: str) -> float:
    """The peak resident memory of a fresh interpreter that runs this code (imports included). VmHWM, not
    ru_maxrss: the latter keeps the peak of the forking pytest process."""
    script = f"{code}\nprint(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    return int(result.stdout.split()[-1]) / 1024


def test_writing_and_checking_twenty_thousand_passages_stays_in_bounded_memory(big_file):
    baseline = _peak_megabytes("import casefiles.cdc, tests.casefiles.cdc.builders")
    writing = _peak_megabytes(
        "from tests.casefiles.cdc.builders import many_passages, write\n"
        f"write('{big_file.parent}/again.xml', many_passages({COUNT}))"
    )
    checking = _peak_megabytes(
        f"from casefiles.cdc import validate_flux\nassert validate_flux('{big_file}') == []"
    )
    whole_tree = _peak_megabytes(f"from lxml import etree\netree.parse('{big_file}')")

    assert big_file.stat().st_size > 20_000_000
    assert writing - baseline < 20
    assert checking - baseline < 20
    assert whole_tree - baseline > 80  # what the bound guards against


def test_an_invalid_passage_near_the_end_of_a_big_file_is_found_with_its_line(big_file, tmp_path):
    lines = big_file.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if "CLEA-2025-019999" in line)
    lines[number] = lines[number].replace("<sexe>F</sexe>", "<sexe>X</sexe>")
    broken = tmp_path / "broken.xml"
    broken.write_text("".join(lines), encoding="utf-8")

    [message] = validate_flux(broken)

    assert message.startswith(f"Ligne {number + 1} (passage « CLEA-2025-019999 ») : « sexe » : « X »")
