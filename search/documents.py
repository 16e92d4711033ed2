"""The search documents: one contact, as read by directory.selectors, → one document.

The one builder: the index (sync push, rebuild) and the database executor's hits all come
from `documents()`. A document is the hit shape the pages and the API render (see
search/engine.py), plus fields only the index uses (name_sort, the label lists and
search_folded, search/german.py).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from django.db import transaction

from directory.models import Contact, Scope
from directory.phones import phone_display, phone_display_remember
from directory.selectors import CHUNK, among, contacts_read, term_labels
from directory.text import german_fold
from lotse.parallel import parallel_processes
from search.german import folded_text, folded_text_prefetch, text_terms, text_terms_remember
from search.query import codes

# A document's fields: those of a hit (what Meilisearch returns, attributesToRetrieve), and
# those only the index uses (sorting, searching).
HIT_FIELDS = [
    "id", "uuid", "slug", "name", "organisation", "kinds", "incident_types", "all_incidents", "target_groups",
    "channels", "scope", "states", "districts", "street", "postcode", "town", "location_district", "lat", "lng", "_geo",
    "phones", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages",
    "barrier_free", "anonymous", "free_of_charge", "source_url", "last_verified", "updated_at",
    "description_de", "description_en",
]
INDEX_ONLY_FIELDS = ("name_sort", "scope_rank", "kind_labels", "incident_labels", "search_folded")
LOCAL_SCOPES = (Scope.DISTRICT.value, Scope.LOCAL.value)
# The rank of a contact's result group (search/engine.py): district and local contacts form
# the near (or regional) group, then the state-wide, then the nationwide contacts. The
# index's first ranking rule (search/index.py), so that one query lists the groups in turn.
SCOPE_RANK = {Scope.DISTRICT.value: 0, Scope.LOCAL.value: 0, Scope.STATE.value: 1, Scope.NATIONAL.value: 2}


def document(contact: dict, labels: dict, state_by_district: dict[str, str]) -> dict:
    """The document of one contact as read by directory.selectors.contacts_read; `labels`
    are directory.selectors.term_labels(), `state_by_district` AGS → state code."""
    kinds, incidents = contact["kinds"], contact["incident_types"]
    if contact["scope"] in LOCAL_SCOPES:
        # District contacts carry their districts' states so that `state=TH` finds them.
        states = sorted({state_by_district[ags] for ags in contact["districts"]})
    else:
        states = sorted(contact["states"])
    organisation = contact["organisation"]["name"] if contact["organisation"] else ""
    lat, lng = contact["lat"], contact["lng"]
    kind_labels = [labels["kinds"][slug] for slug in kinds]
    incident_labels = [labels["incident_types"][slug] for slug in incidents]
    return {
        "id": contact["id"],
        "uuid": contact["uuid"],
        "slug": contact["slug"],
        "name": contact["name"],
        "name_sort": german_fold(contact["name"]).lower(),
        "scope_rank": SCOPE_RANK[contact["scope"]],
        "organisation": organisation,
        "kinds": list(kinds),
        "kind_labels": [de for de, _ in kind_labels] + [en for _, en in kind_labels],
        "incident_types": list(incidents),
        "all_incidents": contact["all_incidents"],
        "incident_labels": [de for de, _ in incident_labels] + [en for _, en in incident_labels],
        "target_groups": list(contact["target_groups"]),
        "channels": list(contact["channels"]),
        "scope": contact["scope"],
        "states": states,
        "districts": sorted(contact["districts"]),
        "street": contact["street"],
        "postcode": contact["postcode"],
        "town": contact["town"],
        "location_district": contact["district"],
        "lat": lat,
        "lng": lng,
        "_geo": {"lat": lat, "lng": lng} if lat is not None and lng is not None else None,
        "phones": [{**phone, "display": phone_display(phone["number"])} for phone in contact["phones"]],
        "email": contact["email"],
        "website": contact["website"],
        "online_report_url": contact["online_report_url"],
        "opening_hours": contact["opening_hours"],
        "open_24_7": contact["open_24_7"],
        "languages": contact["languages"],
        "barrier_free": contact["barrier_free"],
        "anonymous": contact["anonymous"],
        "free_of_charge": contact["free_of_charge"],
        "source_url": contact["source_url"],
        "last_verified": contact["last_verified"].isoformat() if contact["last_verified"] else None,
        "updated_at": contact["updated_at"].isoformat() if contact["updated_at"] else None,
        "description_de": contact["description_de"],
        "description_en": contact["description_en"],
        "search_folded": folded_text(
            contact["name"], organisation, contact["street"], contact["town"], contact["description_de"],
            " ".join(de for de, _ in kind_labels), " ".join(de for de, _ in incident_labels),
        ),
    }


def documents(ids: Iterable[int] | None = None, *, chunk: int = 1000) -> Iterator[list[dict]]:
    """Documents of active contacts (all, or those among `ids`), in id order, in chunks."""
    active = Contact.objects.filter(active=True)
    if ids is None:
        pks = list(active.order_by("id").values_list("id", flat=True))
    else:
        wanted = sorted({int(pk) for pk in ids})
        keep = set(wanted)
        pks = []
        for start in range(0, len(wanted), CHUNK):
            pks += (pk for pk in among(active, "id", wanted[start : start + CHUNK]).values_list("id", flat=True) if pk in keep)
        pks.sort()
    if not pks:
        return
    labels, state_by_district = term_labels(), codes().state_by_district
    workers = parallel_processes(len(pks), per_process=1)
    with _pool(workers - 1) as pool:
        for start in range(0, len(pks), chunk):
            part = pks[start : start + chunk]
            contacts = list(contacts_read(among(active, "id", part).order_by("id"), only=set(part)).values())
            if pool is None:
                yield documents_build(contacts, labels, state_by_district)
                continue
            # The pool builds all shares but the first, this process the first, at once.
            size = -(-len(contacts) // workers)
            shares = [contacts[i : i + size] for i in range(0, len(contacts), size)]
            try:
                futures = [pool.submit(documents_build, share, labels, state_by_district) for share in shares[1:]]
            except Exception:  # noqa: BLE001 - the pool broke on an earlier chunk: the rest is built here
                pool = None
                yield documents_build(contacts, labels, state_by_district)
                continue
            built = documents_build(shares[0], labels, state_by_district)
            for share, future in zip(shares[1:], futures):
                try:
                    built += future.result(timeout=PARALLEL_TIMEOUT)
                    stats["built_in_pool"] += len(share)
                except Exception as exc:  # noqa: BLE001 - a killed process, a timeout: built here (a real bug raises here too)
                    if isinstance(exc, TimeoutError):
                        _stop(pool)  # a process that hangs must not hold the push
                    built += documents_build(share, labels, state_by_district)
            yield built


def documents_build(contacts: list[dict], labels: dict, state_by_district: dict[str, str]) -> list[dict]:
    """The documents of contacts as read by contacts_read, in their order (here or in a
    pool process: it reads nothing from the database)."""
    folded_text_prefetch(
        text for c in contacts
        for text in (c["name"], c["organisation"]["name"] if c["organisation"] else "", c["street"], c["town"], c["description_de"])
    )
    return [document(contact, labels, state_by_district) for contact in contacts]


# Building documents is CPU-bound (compound splitting, phone formatting: ~0.3 ms each on a
# 2-core machine, most of the time until a 20,000-row import is searchable, issue 21). A
# push of at least IMPORT_PARALLEL_MIN_ROWS documents builds them on every usable core
# (IMPORT_PARALLEL_PROCESSES caps it), as the importer checks rows.
PARALLEL_TIMEOUT = 120
stats = {"built_in_pool": 0, "prepared": 0}  # documents a pool process delivered, texts a DocumentsPrepared remembered (tests read them)


@contextmanager
def _pool(workers: int):
    """Forked processes that build documents beside this one, or None. A forked process
    gets the code and the reference tables without pickling; it reads no database (the
    contacts are handed to it) and opens its own n-gram table (search/german.py)."""
    if workers < 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class DocumentsPrepared:
    """What the documents of a large write will derive from its texts and phone numbers
    (compound terms, display forms), worked out in a forked process while the write runs.

    An import's writes keep one core busy and leave the others idle; the documents are
    built from the committed rows after the commit, when Meilisearch's indexing competes
    for every core (issue 21). So, in the writer's transaction:

        prepared = DocumentsPrepared()
        prepared.start(texts, numbers, contacts=n)   # before the writes; nothing for a small write
        ... write (announcing the changes: the push is registered after this) ...
        ... commit: the values are remembered, then the push builds the documents ...
        prepared.close()                 # in a finally: a running process is killed, all forgotten

    Only time depends on it: what is remembered is what text_terms and phone_display give
    for those very texts and numbers, in this thread only. A text or number the write did
    not foresee, or a process that died or is not done PREPARED_WAIT seconds after the
    commit (then killed), is worked out when a document needs it. Nothing waits for the
    process while the transaction holds its locks. The process reads no database."""

    def __init__(self):
        self._pool: ProcessPoolExecutor | None = None
        self._future = None

    def start(self, texts: Iterable[str], numbers: Iterable[str], *, contacts: int) -> None:
        """Start working out `texts` and `numbers` (E.164) of a write of `contacts` contacts;
        what it gives is remembered when the transaction commits, before the push (on-commit
        callbacks run in the order they were registered)."""
        if parallel_processes(contacts, per_process=1) < 2:
            return
        texts, numbers = sorted({t for t in texts if t}), sorted({n for n in numbers if n})
        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(_derive, texts, numbers)
        except Exception:  # noqa: BLE001 - no process to spare: the documents work it out themselves
            self.close()
            return
        transaction.on_commit(self.remember)

    def remember(self) -> None:
        if self._future is None:
            return
        try:
            terms, displays = self._future.result(timeout=PREPARED_WAIT)
        except Exception:  # noqa: BLE001 - a killed process, a timeout: nothing remembered
            self.close()
            return
        self._pool.shutdown(wait=True)  # done: no idle process beside the push
        self._pool = None
        stats["prepared"] += len(terms)
        text_terms_remember(terms)
        phone_display_remember(displays)

    def close(self) -> None:
        text_terms_remember({})
        phone_display_remember({})
        if self._pool is not None:
            if self._future is None or not self._future.done():
                _stop(self._pool)  # still working (the write failed): the shutdown would wait for it
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._future = None


# After the commit the push can always work the values out itself: waiting longer than
# this for the process would only delay the index.
PREPARED_WAIT = 10


def _derive(texts: list[str], numbers: list[str]) -> tuple[dict, dict]:
    folded_text_prefetch(texts)
    return {text: text_terms(text) for text in texts}, {number: phone_display(number) for number in numbers}


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's processes: the executor's shutdown would wait for a hung one."""
    for process in list((pool._processes or {}).values()):  # the executor keeps them in _processes
        process.kill()
