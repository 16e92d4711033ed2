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

from datetime import date

from importers.forked import Child, fork_all, shares


class PlanDocuments:
    """The documents of an import's new active contacts (search.sync.PreparedDocuments).

    `values` are the planned values of the new contacts and `rows` their scalar rows
    (with slug and uuid), in the same order; `bind` gives their ids once inserted.
    """

    def __init__(self, values: list[dict], rows: list[dict], lookups, now):
        from search.index import related_tables

        self._active = [bool(v["active"]) for v in values]
        self._items = [(v, row) for v, row in zip(values, rows) if v["active"]]
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
        self._children = fork_all(self._build_positions, shares(len(self._items)))

    def bind(self, ids: list[int]) -> None:
        """The contact ids of all planned values, in their order (inactive ones included)."""
        active = (pk for pk, is_active in zip(ids, self._active, strict=True) if is_active)
        self._position = {pk: position for position, pk in enumerate(active)}
        self.ids = set(self._position)

    def close(self) -> None:
        for child in self._children:
            child.stop()
        self._children = []

    # --- after the commit: search.sync builds batch by batch ---------------------------------
    def build(self, ids: list[int]) -> list[dict]:
        wanted = [self._position[pk] for pk in ids]
        for child in self._children:
            child.receive_until(self._ready, set(wanted))
        missing = [p for p in wanted if p not in self._ready]
        if missing:
            for position, doc in zip(missing, self._build_positions(missing)):
                self._ready[position] = doc
        docs = []
        for pk, position in zip(ids, wanted):
            doc = self._ready.pop(position)
            doc["id"] = pk
            docs.append(doc)
        if self._children and not self._ready and all(child.finished for child in self._children):
            self.close()
        return docs

    def _build_positions(self, positions: list[int]) -> list[dict]:
        from importers.sync import M2M_FIELDS
        from search.index import document_from_values, folded_text_prefetch

        items = self._items
        folded_text_prefetch(
            text for p in positions for text in (lambda v: (v["name"], v["organisation"], v["street"], v["town"], v["description_de"]))(items[p][0])
        )
        ids = self._lookups.ids
        docs = []
        for position in positions:
            values, row = items[position]
            data = dict(row, id=0, updated_at=self._now, organisation__name=values["organisation"] or None,
                        last_verified=date.fromisoformat(values["last_verified"]) if values["last_verified"] else None)
            relation_ids = {name: [ids[name][key] for key in values[name]] for name in M2M_FIELDS}
            phones = [(label, number) for label, _, number in (text.rpartition(": ") for text in values["phones"])]
            docs.append(document_from_values(data, relation_ids, phones, self._related))
        return docs


