"""The one document builder (search/documents.py): what a document carries, and which
contacts get one."""

from directory.models import Channel, Contact, Phone
from search.documents import HIT_FIELDS, INDEX_ONLY_FIELDS, documents

from .conftest import make_contact


def _all_documents(**kwargs) -> list[dict]:
    return [doc for chunk in documents(**kwargs) for doc in chunk]


def test_a_document_carries_the_hit_fields_and_the_index_fields(cases):
    extra = make_contact(
        "Weißer Ring Außenstelle", scope="district", districts=("09162", "16051"), organisation="Weißer Ring e. V.",
        kinds=("legal", "victim_support"), incidents=("online_hate", "threat"), targets=("officials", "volunteers"),
        phones=("+4971154013003", "116006"), street="Ettstraße 2", description_de="Hasskriminalität und Betroffenenberatung",
        languages=["de", "tr"], barrier_free=False,
    )
    extra.channels.set(Channel.objects.order_by("-slug")[:2])
    Phone.objects.create(contact=extra, label="Beratung", number="+49302345678", position=0)
    (doc,) = _all_documents(ids=[extra.pk])
    assert list(doc) == [f for f in doc if f in HIT_FIELDS or f in INDEX_ONLY_FIELDS]
    assert set(doc) == set(HIT_FIELDS) | set(INDEX_ONLY_FIELDS)
    assert doc["states"] == ["BY", "TH"]  # a district contact carries its districts' states
    assert doc["districts"] == ["09162", "16051"]
    assert doc["organisation"] == "Weißer Ring e. V."
    assert doc["kinds"] == ["victim_support", "legal"]  # the taxonomy's own order
    assert {"Rechtsberatung", "Opferberatung"} <= set(doc["kind_labels"])
    assert [(p["label"], p["number"], p["display"]) for p in doc["phones"]] == [
        ("", "+4971154013003", "0711 54013003"), ("Beratung", "+49302345678", "030 2345678"), ("", "116006", "116 006")]
    assert doc["name_sort"] == "weisser ring aussenstelle"
    assert {"Betroffenen", "Kriminalität", "Weisser"} <= set(doc["search_folded"].split())
    assert doc["_geo"] is None and doc["languages"] == ["de", "tr"] and doc["barrier_free"] is False


def test_documents_of_some_ids_skip_inactive_ones(cases):
    Contact.objects.filter(pk=cases.erfurt.pk).update(active=False)
    wanted = [cases.munich.pk, cases.erfurt.pk, cases.national.pk, 10**9]
    assert [doc["id"] for doc in _all_documents(ids=wanted)] == sorted([cases.munich.pk, cases.national.pk])
    assert list(documents([])) == []
    assert [doc["id"] for doc in _all_documents(chunk=3)] == sorted(c.pk for c in cases.all() if c.pk != cases.erfurt.pk)
