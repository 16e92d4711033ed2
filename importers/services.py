"""The one way to import contacts: `import_run` reads, validates, plans and (unless dry)
applies, recording it all in one ImportRun with its progress.

The command line calls it inline. The admin upload page and the API only check and store
the upload (`import_queue`, through importers/tasks.py) and answer at once; the task
worker then calls `import_queued`, which runs the same `import_run` on the stored bytes.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory import history
from directory.models import ChangeContext, Source
from importers.columns import MappingError, mapping_check, mapping_empty, mapping_merge, mapping_size, value_key
from importers.geocoders import geocode_queue
from importers.layout import table_layout
from importers.models import ImportRun, SourceMapping
from importers.readers import HEADER_SEARCH_ROWS, ReadError, table_read
from importers.sync import ImportPlan, StaleFingerprint, known_fingerprints, plan_apply, plan_build, plan_texts
from search.documents import DocumentsPrepared
from importers.validate import TERM_MODELS, RowError, Validation, rows_validate

logger = logging.getLogger(__name__)
Via = ChangeContext.Via
SOURCE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
CHANGE_LIMIT = 1000  # changes listed per kind in a report; counts are always complete
# Errors (and warnings) listed in a report, the API's answer and the stored run; the rest are
# counted (errors_omitted). A file of 100,000 bad rows must not become a 30 MB report (issue 17).
ERROR_LIMIT = 1000


@dataclass
class ImportReport:
    """What happened, JSON-serialisable through as_dict() (the API returns exactly that)."""

    filename: str
    sha256: str
    source: str
    dry_run: bool
    applied: bool = False
    rows: int = 0
    counts: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0, "invalid": 0})
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    plan: ImportPlan | None = None
    run_id: int | None = None
    options: dict = field(default_factory=dict)
    applied_at: datetime | None = None  # inside the transaction, under the source lock
    # The mapping this run used: the source's stored one with the run's own over it (issue 22).
    mapping: dict = field(default_factory=mapping_empty)
    mapping_stored: int = 0  # entries that came from the source's stored mapping

    @property
    def ok(self) -> bool:
        """False when the file was refused: nothing was (or would be) imported because of errors."""
        if self.plan is None:
            return False
        return not self.errors or (self.options.get("skip_invalid", False) and self.counts["invalid"] < self.rows)

    @property
    def status(self) -> str:
        if not self.ok:
            return ImportRun.Status.REJECTED
        return ImportRun.Status.APPLIED if self.applied else ImportRun.Status.PREVIEWED

    def as_dict(self, *, change_limit: int = CHANGE_LIMIT) -> dict:
        plan = self.plan
        return {
            "run_id": self.run_id,
            "status": str(self.status),
            "ok": self.ok,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "source": self.source,
            "source_created": bool(plan and not plan.source_exists),
            "filename": self.filename,
            "sha256": self.sha256,
            "options": self.options,
            "rows": self.rows,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors[:ERROR_LIMIT]],
            "errors_omitted": max(0, len(self.errors) - ERROR_LIMIT),
            "warnings": [w.as_dict() for w in self.warnings[:ERROR_LIMIT]],
            "warnings_omitted": max(0, len(self.warnings) - ERROR_LIMIT),
            "mapping": self.mapping,
            "mapping_stored": self.mapping_stored,
            "unmapped": unmapped(self.errors),
            "plan_digest": plan.digest() if plan else "",
            "changes": {
                "created": [{"row": c.row, "name": c.values["name"], "source_id": c.values["external_id"]} for c in plan.creates[:change_limit]],
                "updated": [
                    {"row": u.row, "contact_id": u.contact_id, "name": u.name, "fields": u.changes} for u in plan.updates[:change_limit]
                ],
                "deactivated": [
                    {"contact_id": d.contact_id, "name": d.name, "source_id": d.external_id} for d in plan.deactivations[:change_limit]
                ],
            } if plan else {"created": [], "updated": [], "deactivated": []},
        }


def import_run(
    *,
    data: bytes,
    filename: str,
    source_slug: str,
    dry_run: bool,
    skip_invalid: bool = False,
    mapping: dict | None = None,
    user=None,
    deactivate: bool = True,
    via: str = "command",
    expected_plan_digest: str | None = None,
    keep_upload: bool = False,
    progress=None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Import one file into one source. Never raises for a bad file: the report says why.

    The run is recorded in `run` (a queued upload's) or in a new ImportRun. Real runs hold
    the source's row lock (select_for_update; on SQLite the IMMEDIATE transaction's write
    lock) while planning and applying, so two imports of one source never interleave: the
    second plans against what the first committed. The applied state is written to the run
    inside that transaction: a run is applied with its contacts, or neither is.
    """
    if run is None:
        run = ImportRun.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None, via=via, filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), source_slug=source_slug[:60], dry_run=dry_run,
            status=ImportRun.Status.RUNNING, attempts=1, heartbeat_at=timezone.now(),
        )
    with _collector_paused():
        return _import_run(
            data=data, filename=filename, source_slug=source_slug, dry_run=dry_run, skip_invalid=skip_invalid, mapping=mapping,
            deactivate=deactivate, expected_plan_digest=expected_plan_digest, keep_upload=keep_upload,
            progress=_Progress(run, progress), run=run,
        )


class _Progress:
    """Counts checked rows; writes them to the run at most twice a second (the admin's
    progress page and the API's status read them; the write is the worker's heartbeat)."""

    def __init__(self, run: ImportRun, also=None):
        self.run, self.also, self.done, self.written = run, also, 0, 0.0

    def phase(self, name: str, total: int | None = None) -> None:
        fields = {"phase": name, "heartbeat_at": timezone.now()}
        if total is not None:
            self.done, fields["progress_total"], fields["progress_done"] = 0, total, 0
        self._write(fields)

    def _write(self, fields: dict) -> None:
        for name, value in fields.items():
            setattr(self.run, name, value)  # the run is saved whole at the end (_record)
        ImportRun.objects.filter(pk=self.run.pk).update(**fields)

    def __call__(self, count: int) -> None:
        self.done += count
        if self.also:
            self.also(count)
        self.run.progress_done = self.done
        if time.monotonic() - self.written >= 0.5:
            self.written = time.monotonic()
            self._write({"progress_done": self.done, "heartbeat_at": timezone.now()})


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector during an import. A 20,000-row file holds
    ~500,000 cells and their records alive, and each collection walks all of them: that
    took ~1.2 s of the 1.7 s spent reading the file alone (issue 4 benchmark). Reference
    counting still frees everything that is not in a cycle; collection resumes after."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _import_run(*, data, filename, source_slug, dry_run, skip_invalid, mapping, deactivate, expected_plan_digest,
                keep_upload, progress, run) -> ImportReport:
    sha256 = hashlib.sha256(data).hexdigest()
    options = {"skip_invalid": skip_invalid, "deactivate": deactivate, "mapping": bool(mapping)}
    report = ImportReport(filename=filename, sha256=sha256, source=source_slug, dry_run=dry_run, options=options, run_id=run.pk)
    # A StaleFingerprint retry below validates again: with the mapping of the first pass.
    validation = _validate(report, data=data, filename=filename, source_slug=source_slug, mapping=mapping, progress=progress, fingerprints=True)
    try:
        _plan(report, validation, source_slug=source_slug, dry_run=dry_run, skip_invalid=skip_invalid, deactivate=deactivate,
              expected_plan_digest=expected_plan_digest, progress=progress)
    except StaleFingerprint:
        # A contact changed between checking the rows and planning: check them all in full.
        validation = _validate(report, data=data, filename=filename, source_slug=source_slug, mapping=mapping, progress=progress, fingerprints=False)
        _plan(report, validation, source_slug=source_slug, dry_run=dry_run, skip_invalid=skip_invalid, deactivate=deactivate,
              expected_plan_digest=expected_plan_digest, progress=progress)
    # Only a preview that can still be confirmed keeps its bytes: a refused file never can,
    # unless mapping its unknown headers or values may make it one (the admin preview checks
    # the same bytes again with the mapping, issue 22). Both expire (previews_expire).
    remappable = any(unmapped(report.errors).values())
    _record(report, run=run, upload=data if keep_upload and (report.ok or remappable) else None)
    return report


def preview_expired(run: ImportRun) -> bool:
    """A preview older than IMPORT_PREVIEW_HOURS can no longer be confirmed."""
    return run.started_at < timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS)


def previews_expire() -> int:
    """Drop the kept bytes of finished previews (and of refused files kept for mapping) nobody
    confirmed within IMPORT_PREVIEW_HOURS
    (an uploaded contact list is personal data; the run itself stays in the history; queued
    and running runs keep theirs for the worker). Returns how many previews lost their bytes."""
    cutoff = timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    return ImportRun.objects.filter(
        status__in=[ImportRun.Status.PREVIEWED, ImportRun.Status.REJECTED], upload__isnull=False, started_at__lt=cutoff,
    ).update(upload=None)


def _plan(report: ImportReport, validation: Validation | None, *, source_slug, dry_run, skip_invalid, deactivate, expected_plan_digest,
          progress) -> None:
    if validation is not None:
        report.rows = validation.rows
        report.errors, report.warnings = validation.errors, validation.warnings
        report.counts["invalid"] = len(validation.invalid_rows)
        refused = bool(validation.errors) and (not skip_invalid or not validation.records)
        if refused or dry_run:
            # A refused file still shows what its valid rows would do, but with no
            # deactivations: a partial plan must not suggest that contacts of the unreadable
            # rows would go away.
            source = Source.objects.filter(slug=source_slug).first()
            _plan_into(report, validation, source=source, source_slug=source_slug, deactivate=deactivate and not refused)
        else:
            progress.phase("applying")
            _apply(report, validation, source_slug=source_slug, deactivate=deactivate, expected_plan_digest=expected_plan_digest)


def _validate(report: ImportReport, *, data, filename, source_slug, mapping, progress, fingerprints: bool) -> Validation | None:
    if not SOURCE_SLUG.match(source_slug or ""):
        report.errors = [RowError(None, None, source_slug, _(
            "ist kein Quellenname; bitte Kleinbuchstaben, Ziffern und Bindestriche verwenden (z. B. weisser-ring)"))]
        return None
    try:
        checked = mapping_check(mapping, value_targets=value_targets()) if mapping else None
        table = table_read(data, filename)
    except (ReadError, MappingError) as exc:
        report.errors = [RowError(None, None, "", str(exc))]
        return None
    stored = mapping_stored(source_slug)
    report.mapping = mapping_merge(stored, checked)
    report.mapping_stored = mapping_size(stored)
    table, notices = table_layout(table, report.mapping["columns"])
    if not any(h.strip() for h in table.headers):
        report.errors = [RowError(None, None, "", _(
            "die Datei hat keine Kopfzeile; in den ersten %(rows)s Zeilen benennt keine Zeile die Spalten (z. B. Name, Zuständigkeit, Art)")
            % {"rows": HEADER_SEARCH_ROWS})]
        return None
    if not table.rows:
        report.warnings = notices
        report.errors = [RowError(None, None, "", _("die Datei hat eine Kopfzeile, aber keine Zeilen; es gibt nichts zu importieren"))]
        return None
    known = known_fingerprints(Source.objects.filter(slug=source_slug).first()) if fingerprints else None
    progress.phase("checking", total=len(table.rows))
    validation = rows_validate(table, mapping=report.mapping, progress=progress, known=known)
    validation.warnings = notices + validation.warnings
    return validation


def value_targets() -> dict[str, set[str]]:
    """The slugs a value mapping may name, per taxonomy column."""
    return {column: set(model.objects.values_list("slug", flat=True)) for column, model in TERM_MODELS.items()}


def mapping_stored(source_slug: str) -> dict | None:
    stored = SourceMapping.objects.filter(source__slug=source_slug).values_list("mapping", flat=True).first()
    return mapping_check(stored) if stored else None


def unmapped(errors: list[RowError], limit: int = 50) -> dict:
    """What the admin preview offers to map: the unknown headers, and the unknown values of
    each mappable column (each once, as first written), from the errors' codes."""
    columns: list[str] = []
    values: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for error in errors:
        if error.code == "column" and error.column not in columns and len(columns) < limit:
            columns.append(error.column)
        elif error.code.startswith("value:"):
            column = error.code.partition(":")[2]
            key = (column, value_key(error.value))
            if key not in seen and len(values.get(column, [])) < limit:
                seen.add(key)
                values.setdefault(column, []).append(error.value)
    return {"columns": columns, "values": values}


def _plan_into(report: ImportReport, validation: Validation, *, source, source_slug: str, deactivate: bool) -> ImportPlan:
    """Plan the validated rows, and show that plan in the report: its counts, and the
    warnings of the rows together with those found while planning (UUIDs)."""
    plan = plan_build(
        source=source, source_slug=source_slug, records=validation.records, invalid_keys=validation.invalid_keys,
        deactivate=deactivate, uuid_header=validation.headers.get("uuid", "uuid"), organisations=validation.organisations,
    )
    # The confirmation insists on the plan's digest; the mapping is part of it (issue 22).
    plan.mapping = report.mapping
    report.plan = plan
    report.counts.update(plan.counts)
    report.warnings = validation.warnings + plan.warnings
    return plan


class PlanChanged(Exception):
    pass


def _mapping_store(source: Source, mapping: dict, *, run_id: int | None) -> None:
    """An applied import remembers its mapping for the source's next file (issue 22)."""
    current = SourceMapping.objects.filter(source=source).first()
    if current is None and not mapping_size(mapping):
        return
    if current is not None and current.mapping == mapping:
        return
    user_id = ImportRun.objects.filter(pk=run_id).values_list("user_id", flat=True).first()
    SourceMapping.objects.update_or_create(source=source, defaults={"mapping": mapping, "updated_by_id": user_id})


def _apply(report: ImportReport, validation: Validation, **kwargs) -> None:
    """Apply inside the source lock; on SQLite, wait for a concurrent import to finish.

    SQLite with a file database waits in BEGIN IMMEDIATE (busy timeout). In shared-cache
    mode (the in-memory test database) a held table lock is reported at once instead, so
    the whole transaction is retried, for at most IMPORT_LOCK_WAIT seconds. Retrying is
    safe: the failed attempt rolled back completely and the retry plans afresh.
    """
    deadline = time.monotonic() + float(getattr(settings, "IMPORT_LOCK_WAIT", 60))
    delay = 0.05
    while True:
        try:
            return _apply_once(report, validation, **kwargs)
        except OperationalError as exc:
            locked = connection.vendor == "sqlite" and "locked" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _apply_once(report: ImportReport, validation: Validation, *, source_slug: str, deactivate: bool, expected_plan_digest: str | None) -> None:
    # A large import's search documents are built after the commit, when Meilisearch's
    # indexing competes for the cores; their compound terms and phone display forms are
    # worked out during the writes, which leave a core idle (search/documents.py).
    prepared = DocumentsPrepared()
    try:
        with transaction.atomic():
            source, _created = Source.objects.get_or_create(slug=source_slug, defaults={"name": source_slug})
            source = Source.objects.select_for_update().get(pk=source.pk)
            plan = _plan_into(report, validation, source=source, source_slug=source_slug, deactivate=deactivate)
            if expected_plan_digest and plan.digest() != expected_plan_digest:
                raise PlanChanged
            run = ImportRun.objects.filter(pk=report.run_id).values("user_id", "via", "filename").first() or {}
            # The import's changes are recorded in the history as one version per contact,
            # with the run (directory/history.py; the bulk path records in SQL).
            prepared.start(*plan_texts(plan), contacts=len(plan.creates) + len(plan.updates))
            with history.recording(via=Via.IMPORT, user_id=run.get("user_id"), import_run_id=report.run_id,
                                   reason=f"{run.get('via', 'command')}: {run.get('filename', '')}"):
                plan_apply(plan, source=source)
            if validation.geocode_pending:
                geocode_queue(validation.geocode_pending)  # online geocoding: later, outside the request
            _mapping_store(source, report.mapping, run_id=report.run_id)
            report.applied_at = timezone.now()  # still under the source lock: commit order
            # In the same transaction as the contacts: a worker killed at any moment leaves
            # the run applied with them, or neither (importers/tasks.py retries the latter).
            ImportRun.objects.filter(pk=report.run_id).update(
                status=ImportRun.Status.APPLIED, applied_at=report.applied_at, dry_run=False,
                **{name: report.counts[name] for name in ("created", "updated", "unchanged", "deactivated", "invalid")},
            )
    except PlanChanged:
        report.errors = report.errors + [RowError(None, None, "", _(
            "das Verzeichnis hat sich seit dem Probelauf geändert; bitte den Probelauf wiederholen und das Ergebnis prüfen"))]
        report.options["skip_invalid"] = False  # nothing was applied: the report must say refused
        return
    finally:
        prepared.close()  # after the commit's push, which used what was remembered
    report.applied = True


def _record(report: ImportReport, *, run: ImportRun, upload: bytes | None) -> None:
    run.finished_at = timezone.now()
    run.applied_at = report.applied_at if report.applied else None
    run.sha256 = report.sha256
    run.source = Source.objects.filter(slug=report.source).first()
    run.status = report.status
    run.options = report.options
    run.rows = report.rows
    run.errors = [e.as_dict() for e in report.errors[:ERROR_LIMIT]]
    run.plan_digest = report.plan.digest() if report.plan else ""
    run.upload = upload
    run.phase = ""
    for name in ("created", "updated", "unchanged", "deactivated", "invalid"):
        setattr(run, name, report.counts[name])
    run.report = report.as_dict(change_limit=200)
    run.save()
    logger.info("import %s: %s into %s, %s", run.pk, report.filename, report.source, report.counts)


# --- background imports (importers/tasks.py enqueues and recovers) ---------------------


def import_queue(*, data: bytes, filename: str, source_slug: str, dry_run: bool, skip_invalid: bool = False,
                 deactivate: bool = True, mapping: dict | None = None, user=None, via: str, expected_plan_digest: str = "") -> ImportRun:
    """Check an upload and store it as a queued run (the worker does the rest). Raises
    ImportRefused for what can be said at once: a wrong source name or mapping."""
    if not SOURCE_SLUG.match(source_slug or ""):
        raise ImportRefused("source", _("ist kein Quellenname; bitte Kleinbuchstaben, Ziffern und Bindestriche verwenden (z. B. weisser-ring)"))
    if mapping is not None:
        try:
            mapping = mapping_check(mapping, value_targets=value_targets())
        except MappingError as exc:
            raise ImportRefused("mapping", str(exc)) from None
    return ImportRun.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None, via=via, filename=(filename or "upload")[:255],
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), source_slug=source_slug, dry_run=dry_run,
        status=ImportRun.Status.QUEUED, options={"skip_invalid": skip_invalid, "deactivate": deactivate, "mapping": mapping is not None},
        mapping=mapping, upload=data, expected_plan_digest=expected_plan_digest or "", language=translation.get_language() or "",
    )


class ImportRefused(ValueError):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


def import_queued(run_id: int) -> str:
    """Do a queued run (the task worker calls this). Returns its status; a run that is not
    queued (done, or taken by another worker) is left alone."""
    from importers.workers import worker_identity

    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now(), phase="reading",
        worker=worker_identity(),
    )
    if not claimed:
        return "not queued"
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    options = run.options or {}
    try:
        with translation.override(run.language or settings.LANGUAGE_CODE):
            report = import_run(
                data=bytes(run.upload or b""), filename=run.filename, source_slug=run.source_slug, dry_run=run.dry_run,
                skip_invalid=options.get("skip_invalid", False), deactivate=options.get("deactivate", True),
                mapping=run.mapping, user=run.user, via=run.via, expected_plan_digest=run.expected_plan_digest or None,
                keep_upload=run.dry_run, run=run,
            )
    except Exception as exc:
        # Our own bug or a database failure: the run says so, the task fails loudly too.
        ImportRun.objects.filter(pk=run_id).exclude(status=ImportRun.Status.APPLIED).update(
            status=ImportRun.Status.FAILED, finished_at=timezone.now(), failure=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return str(report.status)
