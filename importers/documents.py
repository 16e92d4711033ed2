"""Search documents of an import's new contacts, built from the plan in memory.

Building the documents is pure Python (compound splitting, phone display formats): about
a third of a 20,000-row import's CPU (issue 4 benchmark), and the database writes before
the commit are on one core too. So for a large plan the documents are built by forked
children (importers/forked.py) while this process writes the rows: they start before the
contacts are inserted (their ids are not known yet: each document is built with a
placeholder id), stream the documents back, and the push after commit takes them and puts
in the ids. What no child delivered is built here, the same way. A plan that is rolled
back kills and reaps its children.
"""

from __future__ import annotations

import math
from datetime import date

import orjson

from importers.forked import Child, fork_all, shares
from search.client import EncodedDocument


class PlanDocuments:
    """The documents of an import's new active contacts (search.sync.PreparedDocuments).

    `values` are the planned values of the new contacts; `bind` gives their ids, slugs and
    uuids once they are inserted.
    """

    def __init__(self, values: list[dict], lookups, now):
        from search.index import related_tables

        self._active = [bool(v["active"]) for v in values]
        self._items = [v for v in values if v["active"]]
        self._keys: list[tuple[str, str]] = []  # (uuid, slug) per position, once bound
        self._lookups, self._now = lookups, now
        self._related = related_tables()  # the database is read here, never in the child
        self.ids: set[int] = set()
        self._position: dict[int, int] = {}
        self._ready: dict[int, dict] = {}  # position → document (placeholder id)
        self._children: list[Child] = []

    # --- before the commit ---------------------------------------------------------------
    def start(self) -> None:
        """Fork the children that build the documents, one per core, each for a contiguous
        share, if the plan is large enough to pay. This process writes the rows meanwhile
        and then only waits for the commit, so the children have the cores to themselves."""
        self._children = fork_all(self._encode_positions, shares(len(self._items)), nice=True)

    def bind(self, ids: list[int], rows: list[dict]) -> None:
        """The contact ids and inserted rows (slug, uuid) of all planned values, in their
        order (inactive ones included)."""
        active = [(pk, row) for pk, row, is_active in zip(ids, rows, self._active, strict=True) if is_active]
        self._position = {pk: position for position, (pk, _) in enumerate(active)}
        self._keys = [(str(row["uuid"]), row["slug"]) for _, row in active]
        self.ids = set(self._position)

    def close(self) -> None:
        for child in self._children:
            child.stop()
        self._children = []

    # --- after the commit: search.sync builds batch by batch ---------------------------------
    def build(self, ids: list[int]) -> list[dict]:
        wanted = [self._position[pk] for pk in ids]
        # The first batch waits for the children's whole shares: Meilisearch indexing
        # beside them would take the cores they need (issue 4 benchmark).
        for child in self._children:
            child.receive_until(self._ready, set(range(child.start, child.end)))
        missing = [p for p in wanted if p not in self._ready]
        if missing:
            for position, doc in zip(missing, self._build_positions(missing)):
                self._ready[position] = doc
        docs = []
        for pk, position in zip(ids, wanted):
            doc = self._ready.pop(position)
            if isinstance(doc, bytes):  # a child's, without id, uuid and slug
                uuid, slug = self._keys[position]
                doc = EncodedDocument(pk, b'{"id":%d,"uuid":%s,"slug":%s,' % (pk, orjson.dumps(uuid), orjson.dumps(slug)) + doc[1:])
            else:
                doc["id"] = pk
            docs.append(doc)
        if self._children and not self._ready and all(child.finished for child in self._children):
            self.close()
        return docs

    def _encode_positions(self, positions: list[int]) -> list[bytes]:
        """In a child: the documents as JSON objects without id, uuid and slug (not known yet
        when the children start; build puts them in), so the importing process neither
        unpickles nor encodes them again. A document with a coordinate that JSON cannot
        carry fails the child: the importer builds that share itself, and the push refuses
        the document as it always does (search.client)."""
        encoded = []
        for doc in self._build_positions(positions):
            del doc["id"], doc["uuid"], doc["slug"]
            if not all(value is None or math.isfinite(value) for value in (doc["lat"], doc["lng"])):
                raise ValueError("a coordinate is not a finite number")
            encoded.append(orjson.dumps(doc))
        return encoded

    def _build_positions(self, positions: list[int]) -> list[dict]:
        from importers.sync import M2M_FIELDS, _scalar
        from search.index import document_from_values, folded_text_prefetch

        items = self._items
        folded_text_prefetch(items[p][name] for p in positions for name in ("name", "organisation", "street", "town", "description_de"))
        ids = self._lookups.ids
        docs = []
        for position in positions:
            values = items[position]
            uuid, slug = self._keys[position] if self._keys else ("", "")
            data = dict(_scalar(values, self._lookups), id=0, uuid=uuid, slug=slug, updated_at=self._now,
                        organisation__name=values["organisation"] or None,
                        last_verified=date.fromisoformat(values["last_verified"]) if values["last_verified"] else None)
            relation_ids = {name: [ids[name][key] for key in values[name]] for name in M2M_FIELDS}
            phones = [(label, number) for label, _, number in (text.rpartition(": ") for text in values["phones"])]
            docs.append(document_from_values(data, relation_ids, phones, self._related))
        return docs


