"""The bulk document builder (documents(), value rows) and contact_document (one model
instance, used by the database executor) must give the same documents."""

from directory.models import Channel, Contact, Phone
from search.index import contact_document, contacts_for_index, documents

from .conftest import make_contact


def _all_documents(**kwargs) -> list[dict]:
    return [doc for chunk in documents(**kwargs) for doc in chunk]


def test_bulk_documents_equal_contact_document(cases):
    extra = make_contact(
        "Weißer Ring Außenstelle", scope="district", districts=("09162", "09184"), organisation="Weißer Ring e. V.",
        kinds=("legal", "victim_support", "police"), incidents=("online_hate", "threat", "insult"),
        targets=("officials", "volunteers"), phones=("+4971154013003", "116006"), street="Ettstraße 2",
        description_de="Hasskriminalität und Betroffenenberatung", languages=["de", "tr"], barrier_free=False,
    )
    extra.channels.set(Channel.objects.order_by("-slug")[:2])
    Phone.objects.create(contact=extra, label="Beratung", number="+49302345678", position=0)
    Contact.objects.filter(pk=cases.halle.pk).update(active=False)
    expected = [contact_document(contact) for contact in contacts_for_index()]
    assert _all_documents(chunk=3) == expected
    assert cases.halle.pk not in {doc["id"] for doc in expected}


def test_documents_of_some_ids_skip_inactive_ones(cases):
    Contact.objects.filter(pk=cases.erfurt.pk).update(active=False)
    wanted = [cases.munich.pk, cases.erfurt.pk, cases.national.pk, 10**9]
    assert [doc["id"] for doc in _all_documents(ids=wanted)] == sorted([cases.munich.pk, cases.national.pk])
    assert list(documents([])) == []
