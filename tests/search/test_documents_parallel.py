"""A large push builds its documents on every core (search/documents.py, issue 21): with
the threshold set low, a few contacts take that path here. The documents must be exactly
what one process builds, and a pool that breaks must cost time only, never a document."""

import os
import signal

import pytest
from django.test import override_settings

from directory.models import Organisation
from search import documents as docs_module
from search.documents import documents
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

PARALLEL = override_settings(IMPORT_PARALLEL_MIN_ROWS=2, IMPORT_PARALLEL_PROCESSES=3)
SEQUENTIAL = override_settings(IMPORT_PARALLEL_MIN_ROWS=0)


@pytest.fixture
def contacts():
    organisation = Organisation.objects.create(name="Beratungsverein Thüringen", slug="beratungsverein")
    made = [
        make_contact("Opferberatung Erfurt", scope="district", kinds=["victim_support"], incidents=["threat", "stalking"],
                     districts=["16051"], street="Anger 1", postcode="99084", town="Erfurt", lat=50.9778, lng=11.0287,
                     organisation=organisation, phones=[("Beratung", "+493615551234"), ("Notfall", "116006")],
                     description_de="Beratung nach Bedrohungen und Hasskommentaren.", free_of_charge=True),
        make_contact("Landeskriminalamt Thüringen", scope="state", kinds=["state_security"], incidents=["threat", "insult"],
                     states=["TH"], phones=["+493615550000"]),
        make_contact("Opfer-Telefon", scope="national", kinds=["victim_support"], incidents=["threat"], open_24_7=True,
                     phones=["116006"]),
    ]
    made += [make_contact(f"Gemeindeverwaltungsberatungsstelle {i}", scope="national", kinds=["victim_support"],
                          incidents=["insult"], description_de=f"Sprechstunde Nummer {i} für Bürgermeisterinnen",
                          phones=[f"+4930555{1000 + i}"]) for i in range(7)]
    return made


def _all(**kwargs) -> list[dict]:
    return [doc for chunk in documents(**kwargs) for doc in chunk]


def test_documents_built_in_the_pool_equal_documents_built_here(contacts):
    with SEQUENTIAL:
        here = _all(chunk=4)
    before = docs_module.stats["built_in_pool"]
    with PARALLEL:
        pooled = _all(chunk=4)
    assert len(here) == len(contacts)
    assert pooled == here
    # Chunks of 4, 4 and 2 in shares of 2, 2 and 1: this process builds the first share of
    # each chunk, the pool the others (5 of the 10 documents).
    assert docs_module.stats["built_in_pool"] - before == 5


def test_below_the_threshold_no_process_is_started(contacts):
    before = docs_module.stats["built_in_pool"]
    with override_settings(IMPORT_PARALLEL_MIN_ROWS=len(contacts) + 1, IMPORT_PARALLEL_PROCESSES=2):
        assert len(_all(chunk=4)) == len(contacts)
    assert docs_module.stats["built_in_pool"] == before


PARENT = os.getpid()
REAL_BUILD = docs_module.documents_build


def _dying(contacts, labels, state_by_district):
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # a pool process killed mid-way (the OOM killer)
    return REAL_BUILD(contacts, labels, state_by_district)


def test_a_pool_process_that_dies_costs_no_document(contacts, monkeypatch):
    with SEQUENTIAL:
        here = _all(chunk=5)
    before = docs_module.stats["built_in_pool"]
    monkeypatch.setattr(docs_module, "documents_build", _dying)
    with PARALLEL:
        assert _all(chunk=5) == here
    assert docs_module.stats["built_in_pool"] == before  # every share was built here instead
