"""A large import's compound terms and phone display forms are worked out during its
writes, in a forked process (search/documents.py DocumentsPrepared, issue 21). What the
push then finds remembered must be exactly what it would work out itself, it must be used,
and a process that dies or hangs must cost time only."""

import os
import signal
import threading
import time

import pytest
from django.conf import settings
from django.test import override_settings

from directory import phones
from search import client, german
from search import documents as docs_module
from search.documents import DocumentsPrepared, documents
from tests.importers.conftest import csv_bytes, row, run

from .conftest import reindex

pytestmark = pytest.mark.django_db  # start() registers the remembering for the commit

PARALLEL = override_settings(IMPORT_PARALLEL_MIN_ROWS=2, IMPORT_PARALLEL_PROCESSES=2)
TEXTS = ["Opferberatung Erfurt", "Beratung nach Bedrohungen und Hasskommentaren.", "Anger 1", "Erfurt",
         "Landeskriminalamt Thüringen", "Gemeindeverwaltungsberatungsstelle"]
NUMBERS = ["+493615551234", "116006", "+4930555100"]


@pytest.fixture(autouse=True)
def nothing_remembered():
    yield
    german.text_terms_remember({})
    phones.phone_display_remember({})


def test_what_is_remembered_is_what_this_process_works_out():
    prepared = DocumentsPrepared()
    with PARALLEL:
        prepared.start(TEXTS + ["", "Erfurt"], NUMBERS, contacts=3)
        assert german.terms_remembered() == {}  # not before the commit (here: remember)
        prepared.remember()
    assert prepared._pool is None  # shut down once it delivered
    try:
        assert german.terms_remembered() == {text: german._text_terms(text) for text in TEXTS}
        assert phones.displays_remembered() == {number: phones._display(number) for number in NUMBERS}
        assert phones.phone_display("+493615551234") == "0361 5551234"
    finally:
        prepared.close()
    assert german.terms_remembered() == {} and phones.displays_remembered() == {}


def test_lookups_answer_from_what_is_remembered():
    german.text_terms_remember({"Opferberatung": (frozenset({"opferberatung"}), (("Remembered", "remembered"),))})
    phones.phone_display_remember({"+493615551234": "remembered"})
    assert german.folded_text("Opferberatung") == "Remembered"
    assert phones.phone_display("+493615551234") == "remembered"
    assert phones.phone_display("116006") == "116 006"  # not remembered: worked out
    elsewhere = []  # another thread (another import in this process) works it out
    thread = threading.Thread(target=lambda: elsewhere.append(phones.phone_display("+493615551234")))
    thread.start()
    thread.join()
    assert elsewhere == ["0361 5551234"]
    german.text_terms_remember({})
    assert german.folded_text("Opferberatung") == "Opfer Beratung"


def test_a_small_write_starts_no_process():
    prepared = DocumentsPrepared()
    with override_settings(IMPORT_PARALLEL_MIN_ROWS=4, IMPORT_PARALLEL_PROCESSES=2):
        prepared.start(TEXTS, NUMBERS, contacts=3)
    assert prepared._pool is None
    prepared.remember()
    assert german.terms_remembered() == {}


PARENT = os.getpid()


def _dying(texts, numbers):
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # killed mid-way (the OOM killer)
    raise AssertionError("runs in the forked process only")


def _hanging(texts, numbers):
    time.sleep(60)


def test_a_process_that_dies_leaves_nothing_remembered(monkeypatch):
    monkeypatch.setattr(docs_module, "_derive", _dying)
    prepared = DocumentsPrepared()
    with PARALLEL:
        prepared.start(TEXTS, NUMBERS, contacts=3)
        assert prepared._pool is not None
        prepared.remember()
    prepared.close()
    assert german.terms_remembered() == {} and phones.displays_remembered() == {}


def test_a_process_that_hangs_is_killed_after_the_timeout(monkeypatch):
    monkeypatch.setattr(docs_module, "_derive", _hanging)
    monkeypatch.setattr(docs_module, "PREPARED_WAIT", 1)
    prepared = DocumentsPrepared()
    started = time.monotonic()
    with PARALLEL:
        prepared.start(TEXTS, NUMBERS, contacts=3)
        assert prepared._pool is not None
        prepared.remember()
    prepared.close()
    assert time.monotonic() - started < 10
    assert german.terms_remembered() == {}


def test_closing_while_it_works_kills_it_at_once(monkeypatch):
    # The write failed: the import's finally closes without waiting for the process.
    monkeypatch.setattr(docs_module, "_derive", _hanging)
    prepared = DocumentsPrepared()
    with PARALLEL:
        prepared.start(TEXTS, NUMBERS, contacts=3)
    process = next(iter(prepared._pool._processes.values()))
    started = time.monotonic()
    prepared.close()
    assert time.monotonic() - started < 10
    process.join(5)
    assert not process.is_alive()


ROWS = [
    row(source_id=f"r{i}", name=f"Gemeindeverwaltungsberatungsstelle {i}", scope="landesweit", states="TH",
        town="Erfurt", phone=f"0361 555{1000 + i}; Notfall: 116 006", description_de=f"Sprechstunde {i} nach Bedrohungen")
    for i in range(6)
]
HEADER = ["source_id", "name", "kinds", "scope", "states", "town", "phone", "description_de"]


@pytest.mark.django_db(transaction=True)
def test_an_import_pushes_with_what_its_writes_worked_out(reference, monkeypatch):
    reindex()
    looked_up: list[str] = []
    work_out = german._text_terms

    def counted(text):
        looked_up.append(text)
        return work_out(text)

    monkeypatch.setattr(german, "_text_terms", counted)  # the forked process counts its own
    before = docs_module.stats["prepared"]
    with PARALLEL:
        report = run(csv_bytes(ROWS, header=HEADER))
    assert report.applied and report.counts["created"] == 6
    # 6 names, 6 descriptions, one town: remembered at the commit, and the push worked
    # none of them out itself.
    texts = {text for r in ROWS for text in (r["name"], r["description_de"], r["town"])}
    assert docs_module.stats["prepared"] - before == len(texts) == 13
    assert not texts & set(looked_up)
    assert german.terms_remembered() == {} and phones.displays_remembered() == {}  # forgotten after the push

    indexed = client.call("GET", f"/indexes/{settings.MEILISEARCH_INDEX}/documents?limit=100", admin=True)["results"]
    built_here = [doc for chunk in documents() for doc in chunk]  # nothing remembered now
    assert len(indexed) == len(built_here) == 6
    assert {"name", "phones", "search_folded"} <= set(indexed[0])
    assert sorted(indexed, key=lambda d: d["id"]) == [{k: doc[k] for k in indexed[0]} for doc in built_here]
