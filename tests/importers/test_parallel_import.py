"""Large imports check rows and build search documents in forked children
(importers/forked.py). With the threshold set low, small files take those paths here:
the outcome must be exactly what one process computes, and a child that fails must cost
time only, never a row or a document."""

import os
import signal

import pytest
from django.test import override_settings

from directory.geo import AmbiguousPlace, town_lookup
from directory.models import Contact, Place
from importers import forked
from importers.geocoders import GazetteerGeocoder
from importers.readers import table_read
from importers.validate import rows_validate
from search import client
from search.index import contact_document, contacts_for_index
from search.sync import index_uid
from tests.importers.conftest import ERFURT, HEADER, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db

PARALLEL = override_settings(IMPORT_PARALLEL_MIN_ROWS=2, IMPORT_PARALLEL_PROCESSES=2)
SEQUENTIAL = override_settings(IMPORT_PARALLEL_MIN_ROWS=0)


def _spy_children(monkeypatch, module) -> list:
    """Record the children a module forks (the real fork_all runs), to check they delivered:
    a failed child's share is silently done by the parent, which the results alone hide."""
    forked_children = []
    real = module.fork_all

    def fork_all(*args, **kwargs):
        children = real(*args, **kwargs)
        forked_children.extend(children)
        return children

    monkeypatch.setattr(module, "fork_all", fork_all)
    return forked_children


def _mixed_rows() -> list[dict]:
    rows = [row(source_id=f"r{i}", name=f"Beratungsstelle {i}", postcode="99084", town="Erfurt", states="TH",
                scope="landesweit", phone=f"0361 2188 {6700 + i}") for i in range(12)]
    rows[3] = row(source_id="r3", name="Ohne PLZ", town="Alsdorf", scope="national")  # a town in 3 districts: a warning
    rows[4] = row(source_id="r4", name="Nur Ort", town="Erfurt", scope="national")  # a town alone
    rows[7] = row(source_id="r1", name="Doppelt", scope="national")  # duplicates a row in the first half
    rows[9] = row(source_id="r9", name="Falsch", scope="landesweit", states="XX", email="kein@")  # errors
    rows[10] = row(source_id="r10", name="Falsche PLZ", postcode="99999", scope="national")
    return rows + [ERFURT, MUNICH]


def _summary(validation) -> tuple:
    return (
        [(r.row, r.key, r.values, r.fingerprint, r.contact_id) for r in validation.records],
        [e.as_dict() for e in validation.errors],
        [w.as_dict() for w in validation.warnings],
        sorted(validation.invalid_rows),
        sorted(validation.invalid_keys),
    )


def test_rows_checked_in_a_child_equal_rows_checked_here(monkeypatch):
    from importers import validate

    monkeypatch.setattr(validate, "DEAL", 1)  # the first 6 rows checked here, the next 5 in the child, the last 3 here
    table = table_read(csv_bytes(_mixed_rows(), header=HEADER + ["organisation"]), "contacts.csv")
    with SEQUENTIAL:
        alone = rows_validate(table)
    children = _spy_children(monkeypatch, forked)
    with PARALLEL:
        assert forked.shares(len(table.rows)) == [(0, 7), (7, 14)]
        shared = rows_validate(table)
    assert _summary(shared) == _summary(alone)
    assert len(children) == 1 and children[0].received == children[0].end == 14  # the child checked its rows
    # The checks really ran: a duplicate across the two halves, errors, a warning.
    messages = [e.message for e in shared.errors]
    assert any("also appears in row 9" in m for m in messages)
    assert any("is not a German state" in m for m in messages)
    assert any("is not a known German postcode" in m for m in messages)
    assert any("districts" in w.message for w in shared.warnings)


def test_documents_built_in_children_are_the_index_documents(django_capture_on_commit_callbacks, monkeypatch):
    from importers import documents

    children = _spy_children(monkeypatch, documents)
    rows = [row(source_id=f"c{i}", name=f"Opferberatung Nummer {i}", kinds="Opferberatung; legal", scope="landesweit",
                states="TH", postcode="99084", town="Erfurt", phone=f"Beratung: 0361 2188 {6700 + i}; 116 006",
                email=f"c{i}@example.org", website="https://example.org") for i in range(30)]
    rows[5]["active"] = "nein"
    header = HEADER + ["active"]
    with PARALLEL, django_capture_on_commit_callbacks(execute=True):
        report = run(csv_bytes(rows + [MUNICH], header=header), source="parallel")
    assert report.applied and report.counts["created"] == 31
    expected = {doc["id"]: doc for doc in map(contact_document, contacts_for_index())}
    assert len(expected) == 30  # the inactive contact is not in the index
    indexed = client.call("POST", f"/indexes/{index_uid()}/documents/fetch", admin=True, json={"limit": 10000})["results"]
    assert {doc["id"]: doc for doc in indexed if doc["id"] in expected} == expected
    # Two children built all 30 documents (and the push closed them afterwards).
    assert [(c.start, c.received, c.end) for c in children] == [(0, 15, 15), (15, 30, 30)]
    assert all(_reaped(c.pid) for c in children)


def _work(positions):
    if os.getpid() != PARENT[0] and 5 in positions:
        raise RuntimeError("a child fails on position 5")
    return [p * 10 for p in positions]


PARENT = [0]


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_failing_child_leaves_its_share_to_the_caller(monkeypatch):
    PARENT[0] = os.getpid()
    monkeypatch.setattr(forked, "CHUNK", 4)
    children = forked.fork_all(_work, [(0, 12)])
    assert len(children) == 1
    child = children[0]
    ready: dict[int, int] = {}
    child.receive_until(ready, set(range(12)))
    assert child.finished
    assert ready == {0: 0, 1: 10, 2: 20, 3: 30}  # the first chunk came; the one with 5 failed
    assert _reaped(child.pid)
    missing = [p for p in range(12) if p not in ready]
    ready.update(zip(missing, _work(missing)))  # what the caller then does itself
    assert ready == {p: p * 10 for p in range(12)}


def _slow(positions):
    import time

    time.sleep(30)
    return positions


def test_a_child_nobody_reads_is_killed_and_reaped():
    child = forked.fork_all(_slow, [(0, 3)])[0]
    pid = child.pid
    child.stop()
    assert _reaped(pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_a_child_that_sends_nothing_in_time_is_killed_and_its_share_left_to_the_caller():
    child = forked.fork_all(_slow, [(0, 3)])[0]
    ready: dict = {}
    with override_settings(IMPORT_PARALLEL_TIMEOUT=1):
        child.receive_until(ready, {0, 1, 2})
    assert child.finished and ready == {}
    assert _reaped(child.pid)


def test_an_import_that_fails_after_forking_leaves_no_child_and_no_contact(monkeypatch):
    from importers import sync

    started = []
    real = sync.PlanDocuments.start

    def start(self):
        real(self)
        started.extend(child.pid for child in self._children)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sync.PlanDocuments, "start", start)
    monkeypatch.setattr(sync, "_relations_write", broken)
    rows = [row(source_id=f"c{i}", name=f"Stelle {i}") for i in range(6)]
    with PARALLEL, pytest.raises(RuntimeError):
        run(csv_bytes(rows), source="broken")
    assert started and all(_reaped(pid) for pid in started)
    assert not Contact.objects.filter(source__slug="broken").exists()


def test_towns_from_memory_equal_town_lookup():
    geocoder = GazetteerGeocoder()
    geocoder.preload_towns()
    names = list(Place.objects.order_by("name_key").values_list("name", flat=True).distinct()[::97])
    names += ["Alsdorf", "Achim", "Erfurt", "München", "Nirgendwo", ""]
    checked = ambiguous = 0
    for name in names:
        for state in ("", "BY", "TH", "RP"):
            try:
                expected = town_lookup(name, state_code=state or None)
            except AmbiguousPlace as exc:
                expected = ("ambiguous", exc.districts)
            try:
                found = geocoder._town_in_memory(name, state)
            except AmbiguousPlace as exc:
                found = ("ambiguous", exc.districts)
            assert found == expected, (name, state)
            checked += 1
            ambiguous += isinstance(found, tuple) and found[0] == "ambiguous"
    assert checked > 100 and ambiguous
