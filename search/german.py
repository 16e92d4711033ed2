"""German text for the index: transliteration and compound parts (the `search_folded` field).

MEILISEARCH.md §1 measured what Meilisearch 1.21 does by itself with German and what it
doesn't: it strips diacritics (Munchen → München) but does not fold ß to ss, does not know
that "Muenchen" is "München" (only via typo tolerance) and does not split compounds
("Beratung" does not find "Opferberatung"); `localizedAttributes` for German is harmful on
1.21. We close those gaps in the documents: `search_folded` carries the German
transliteration (ß→ss, ä→ae, ö→oe, ü→ue) of the text fields plus the parts of compound
words, split by the `compound-split` package's char_split (a statistical splitter for
German) over its own n-gram probabilities, read from a SQLite copy (see _NgramTable).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from directory.text import german_fold

WORD = re.compile(r"[^\W\d_]{8,}", re.UNICODE)
# char_split scores range roughly -2..1; below this a split is a guess (Erfurt → Erf|urt).
SPLIT_THRESHOLD = 0.5


class _NgramTable:
    """compound_split's German n-gram probabilities, read from a SQLite copy.

    The package keeps them in a 39 MB Python module whose import costs ~6 s per process
    (issue 4 benchmark: paid by every import and every index rebuild). The copy is written
    once per machine (COMPOUND_CACHE_DIR, default ~/.cache/lotse; keyed by the package's
    data file, so an upgrade writes a new one) and each word then costs one indexed query.
    If the directory is not writable, the package module is used as before.
    """

    def __init__(self):
        self._local = threading.local()
        self._path: Path | None = None
        self._module = None
        # A forked child must not use its parent's SQLite connections: it opens its own.
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget_connections)

    def _forget_connections(self) -> None:
        self._local = threading.local()

    @staticmethod
    def _source() -> Path:
        spec = importlib.util.find_spec("compound_split.de_ngram_probs")
        return Path(spec.origin)

    def path(self) -> Path:
        if self._path is None:
            from django.conf import settings

            source = self._source()
            stat = source.stat()
            stamp = hashlib.sha256(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
            directory = Path(getattr(settings, "COMPOUND_CACHE_DIR", None) or Path.home() / ".cache" / "lotse")
            self._path = directory / f"compound-de-{stamp}.sqlite3"
        return self._path

    def _build(self, path: Path) -> None:
        from compound_split import de_ngram_probs

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        rows = sorted(
            (ngram, kind, prob)
            for kind, table in enumerate((de_ngram_probs.prefix, de_ngram_probs.infix, de_ngram_probs.suffix))
            for ngram, prob in table.items()
        )
        db = sqlite3.connect(partial)
        try:
            # A scratch file until the rename below: no journal needed.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE ngram (ngram TEXT NOT NULL, kind INTEGER NOT NULL, prob REAL NOT NULL, PRIMARY KEY (ngram, kind)) WITHOUT ROWID")
            db.executemany("INSERT INTO ngram VALUES (?, ?, ?)", rows)
            db.commit()
        finally:
            db.close()
        os.replace(partial, path)  # atomic: readers never see a half-written table

    def _connection(self) -> sqlite3.Connection | None:
        db = getattr(self._local, "db", None)
        if db is None and self._module is None:
            try:
                path = self.path()
                if not path.exists():
                    self._build(path)
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                self._local.db = db
            except (OSError, sqlite3.Error):
                from compound_split import de_ngram_probs

                self._module = de_ngram_probs
        return db

    def lookup(self, prefixes: set[str], infixes: set[str], suffixes: set[str]) -> tuple[dict, dict, dict]:
        db = self._connection()
        if db is None:
            m = self._module
            return ({k: m.prefix[k] for k in prefixes if k in m.prefix}, {k: m.infix[k] for k in infixes if k in m.infix},
                    {k: m.suffix[k] for k in suffixes if k in m.suffix})
        found: tuple[dict, dict, dict] = ({}, {}, {})
        wanted = sorted(prefixes | infixes | suffixes)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT ngram, kind, prob FROM ngram WHERE ngram IN ({','.join('?' * len(chunk))})"
            for ngram, kind, prob in db.execute(sql, chunk):
                found[kind][ngram] = prob
        return found


_NGRAMS = _NgramTable()


def compound_table_prepare() -> tuple[Path, bool]:
    """Write the splitter's SQLite copy now if it is missing (e.g. at deploy time, so the
    first import does not pay ~20 s for it). Returns its path and whether it was built."""
    path = _NGRAMS.path()
    if path.exists():
        return path, False
    _NGRAMS._build(path)
    return path, True


def _cut_off_fugen_s(word: str) -> str:
    # compound_split.char_split.cut_off_fugen_s
    if word.endswith(("ts", "gs", "ks", "hls", "ns")) and len(word) > 3:
        return word[:-1]
    return word


def _ngrams_of(word: str) -> tuple[dict, dict, dict]:
    positions = range(3, len(word) - 2)
    pres = {n: _cut_off_fugen_s(word[:n]) for n in positions}
    starts = {n: _cut_off_fugen_s(word[n:]) for n in positions}
    ins = {n: [word[n:k] for k in range(len(word), n + 2, -1)] for n in positions}
    return pres, starts, ins


def compounds_prefetch(words: Iterable[str]) -> None:
    """Look up the n-grams of many words at once (a few queries instead of one per word)
    and remember their splits; split_compound then answers from memory."""
    if len(_SPLITS) > 200_000:
        _SPLITS.clear()  # bounded, like the lru_caches below
    todo = {w.lower() for w in words if "-" not in w} - set(_SPLITS)
    todo = {w for w in todo if len(w) > 5}
    if not todo:
        return
    grams = {w: _ngrams_of(w) for w in todo}
    prefixes = {g for pres, starts, ins in grams.values() for g in starts.values()}
    suffixes = {g for pres, starts, ins in grams.values() for g in pres.values()}
    infixes = {g for pres, starts, ins in grams.values() for gs in ins.values() for g in gs}
    tables = _NGRAMS.lookup(prefixes, infixes, suffixes)
    for word, parts in grams.items():
        _SPLITS[word] = _scores(word, parts, tables)


_SPLITS: dict[str, list[tuple[float, str, str]]] = {}


def split_compound(word: str) -> list[tuple[float, str, str]]:
    """compound_split.char_split.split_compound(word) for German, best split first, with
    the n-grams looked up in the SQLite copy (tests/importers/test_index_documents.py
    compares)."""
    word = word.lower()
    if "-" in word:
        hyphen = word.rfind("-")
        return [(1.0, word[:hyphen].title(), word[hyphen + 1 :].title())]
    if word in _SPLITS:
        return list(_SPLITS[word])
    positions = range(3, len(word) - 2)
    if not positions:
        return [(0, word.title(), word.title())]
    parts = _ngrams_of(word)
    pres, starts, ins = parts
    tables = _NGRAMS.lookup(set(starts.values()), {g for grams in ins.values() for g in grams}, set(pres.values()))
    return _scores(word, parts, tables)


def _scores(word: str, parts: tuple[dict, dict, dict], tables: tuple[dict, dict, dict]) -> list[tuple[float, str, str]]:
    pres, starts, ins = parts
    prefix, infix, suffix = tables
    positions = range(3, len(word) - 2)
    if not positions:
        return [(0, word.title(), word.title())]
    scores = []
    for n in positions:
        in_prob = min(infix.get(g, 1) for g in ins[n])
        scores.append((prefix.get(starts[n], -1) - in_prob + suffix.get(pres[n], -1), word[:n].title(), word[n:].title()))
    scores.sort(reverse=True)
    return scores


@lru_cache(maxsize=100_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound, recursively: Hasskriminalität → Hass, Kriminalität."""
    try:
        candidates = split_compound(word)
    except Exception:  # the splitter throws on odd input (digits, very short words)
        return ()
    if not candidates:
        return ()
    score, head, tail = candidates[0]
    if score < SPLIT_THRESHOLD or len(head) < 3 or len(tail) < 3:
        return ()
    parts: list[str] = []
    for part in (head, tail):
        sub = compound_parts(part) if len(part) >= 8 else ()
        parts.extend(sub or (part,))
    return tuple(parts)


@lru_cache(maxsize=100_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """A word's compound parts, each followed by its transliteration (cached per word)."""
    terms: list[str] = []
    for part in compound_parts(word):
        terms += [part, german_fold(part)]
    return tuple(terms)


ANY_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, str | None, tuple[str, ...]]:
    """One word (a run of word characters): its lowercase form, its transliteration if that
    differs, and the compound terms of its long letter runs. Cached per word: names and
    descriptions are unique texts, but their words recur (issue 4 benchmark)."""
    folded = german_fold(token)
    compounds: tuple[str, ...] = ()
    for word in WORD.findall(token):
        compounds += _word_terms(word)
    return token.lower(), folded if folded != token else None, compounds


@lru_cache(maxsize=65_536)
def _text_terms(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """One text's own words (lowercase), and the (term, lowercase key) pairs it adds: the
    transliteration of each word that changes by it, then its long words' compound parts.
    Cached per text: streets, towns, organisations and labels repeat across contacts."""
    own = set()
    folds: list[str] = []
    compounds: list[str] = []
    for token in ANY_WORD.findall(text):
        lower, folded, parts = _token_terms(token)
        own.add(lower)
        if folded is not None:
            folds.append(folded)
        compounds += parts
    return frozenset(own), tuple((term, term.lower()) for term in folds + compounds)


def text_terms(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """_text_terms(text), from what this thread remembered if it holds the text."""
    known = getattr(_KNOWN, "terms", None)
    terms = known.get(text) if known else None
    return terms if terms is not None else _text_terms(text)


_KNOWN = threading.local()  # per thread: an import's push runs in the thread that imported


def text_terms_remember(terms: dict[str, tuple]) -> None:
    """Remember texts' terms computed by text_terms in another process (search/documents.py,
    DocumentsPrepared), for this thread, in place of what it remembered; {} forgets them."""
    _KNOWN.terms = terms


def terms_remembered() -> dict[str, tuple]:
    return getattr(_KNOWN, "terms", None) or {}


def folded_text_prefetch(texts: Iterable[str]) -> None:
    """Split the compounds of many texts in one go before folded_text is called on them."""
    known = terms_remembered()
    compounds_prefetch({word for text in texts if text and text not in known for word in WORD.findall(text)})


def folded_text(*texts: str) -> str:
    """The `search_folded` field: transliterations and compound parts of the texts, only
    those that none of the texts holds as a word already. The words themselves are
    searched in their own attributes; repeating them here made Meilisearch index a
    20,000-contact import ~0.8 s longer (issue 4 benchmark) and found nothing more."""
    own: set[str] = set()
    added = []
    for text in texts:
        if text:
            words, terms = text_terms(text)
            own |= words
            added.append(terms)
    chosen: dict[str, str] = {}
    for terms in added:
        for term, key in terms:
            if key not in own and key not in chosen:
                chosen[key] = term
    return " ".join(chosen.values())


