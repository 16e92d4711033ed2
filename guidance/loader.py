"""Load the guidance fixture (fixtures/guidance/steps.json) into the database.

    report = steps_load()              # raises StepFileError listing every problem

The whole file is checked before anything is written (every problem is listed, nothing is
changed), then written in one transaction. Idempotent: a record that is unchanged since
the last load writes nothing. A step edited in the admin since the last load is kept, and
the report says so; `overwrite=True` takes the file's version instead. Steps that came
from the file and are no longer in it are deactivated, not deleted; a step switched off
(in the admin, or so) stays off, and the report lists it.

The record format is described in fixtures/guidance/README.md. Contacts are named by their
source id (the `source_id` column of fixtures/demo/contacts.csv, e.g. `by-aum-meldeverfahren`),
or as `source:id` where two sources use the same id; they are resolved here, so a name that
matches no contact is an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from directory.models import Contact, ContactKind, IncidentType, State
from guidance.models import Step, validate_sources, validate_text_list
from guidance.services import step_rule_errors

STEPS_FILE = Path(settings.BASE_DIR) / "fixtures" / "guidance" / "steps.json"
ALL = "all"
REQUIRED = ("slug", "order", "incidents", "title_de", "summary_de", "sources", "last_reviewed")
OPTIONAL = {
    "states": [], "replaces": None, "title_en": "", "summary_en": "", "body_de": "", "body_en": "",
    "kinds": [], "contacts": [], "services": [], "law": [], "notes": "",
}
TEXTS = ("title_de", "title_en", "summary_de", "summary_en", "body_de", "body_en", "notes")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX = Step._meta.get_field("title_de").max_length
FILE_FIELDS = {"incident_types": "incidents"}  # the admin's field names as the file spells them


class StepFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited in the admin since the last load
    deactivated: list[str] = field(default_factory=list)
    inactive: list[str] = field(default_factory=list)  # in the file, but switched off (admin or an earlier load)

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deactivated)


def steps_load(path: Path = STEPS_FILE, *, overwrite: bool = False) -> LoadReport:
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StepFileError([f"{path}: cannot read the file: {exc}"]) from None
    with translation.override("en"):
        resolved = records_resolve(records)
    return _apply(resolved, overwrite=overwrite)


# --- checking ---------------------------------------------------------------------------


def records_resolve(records) -> list[dict]:
    """Every record checked and its codes resolved to ids; StepFileError lists all problems."""
    if not isinstance(records, list):
        raise StepFileError(["the file must hold a JSON list of steps"])
    problems: list[str] = []
    known = _Known()
    slugs = [r.get("slug") for r in records if isinstance(r, dict)]
    by_slug = {r.get("slug"): r for r in records if isinstance(r, dict)}
    resolved = []
    for number, record in enumerate(records, start=1):
        where = f"step {number}" + (f' ("{record.get("slug")}")' if isinstance(record, dict) and record.get("slug") else "")
        found, item = _resolve(record, known, by_slug)
        problems += [f"{where}, {message}" for message in found]
        if item is not None:
            resolved.append(item)
    duplicates = sorted({s for s in slugs if isinstance(s, str) and slugs.count(s) > 1})
    problems += [f'slug "{s}" is used by {slugs.count(s)} steps; each step needs its own' for s in duplicates]
    if problems:
        raise StepFileError(problems)
    return resolved


class _Known:
    def __init__(self):
        self.incidents = dict(IncidentType.objects.values_list("slug", "id"))
        self.kinds = dict(ContactKind.objects.values_list("slug", "id"))
        self.states = dict(State.objects.values_list("code", "id"))
        self.general_in_db = {s.slug: not s.states.exists() for s in Step.objects.prefetch_related("states")}

    def contact(self, name: str) -> tuple[int | None, str]:
        source, _, external = name.rpartition(":")
        matches = Contact.objects.filter(external_id=external)
        if source:
            matches = matches.filter(source__slug=source)
        found = list(matches.values_list("id", "source__slug")[:5])
        if not found:
            return None, f'no contact has the source id "{name}" (load the contacts first: manage.py load_demo)'
        if len(found) > 1:
            sources = ", ".join(sorted(str(s) for _, s in found))
            return None, f'the source id "{name}" is ambiguous (sources {sources}); write it as "source:{external}"'
        return found[0][0], ""


def _resolve(record, known: _Known, by_slug: dict) -> tuple[list[str], dict | None]:
    if not isinstance(record, dict):
        return ["must be a JSON object"], None
    problems = [f'field "{name}" is missing' for name in REQUIRED if name not in record]
    unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
    problems += [f'field "{name}" is not a step field (known: {", ".join([*REQUIRED, *OPTIONAL])})' for name in unknown]
    if problems:
        return problems, None
    data = {**OPTIONAL, **record}
    slug = data["slug"]
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(f'field "slug": "{slug}" is not a slug (lowercase letters, digits and hyphens)')
    order = data["order"]
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= 32767:
        problems.append(f'field "order": {order!r} is not a whole number from 1 to 32767')
    for name in TEXTS:
        if not isinstance(data[name], str):
            problems.append(f'field "{name}" must be a text')
    for name in ("title_de", "summary_de"):
        if isinstance(data[name], str) and not data[name].strip():
            problems.append(f'field "{name}" is empty')
    for name in ("title_de", "title_en"):
        if isinstance(data[name], str) and len(data[name]) > TITLE_MAX:
            problems.append(f'field "{name}" has {len(data[name])} characters; at most {TITLE_MAX}')
    for name, validator in (("sources", validate_sources), ("law", validate_text_list), ("services", validate_text_list)):
        try:
            validator(data[name])
        except ValidationError as exc:
            problems.append(f'field "{name}": {" ".join(exc.messages)}')
    try:
        reviewed = dt.date.fromisoformat(data["last_reviewed"])
    except (TypeError, ValueError):
        reviewed = None
        problems.append(f'field "last_reviewed": {data["last_reviewed"]!r} is not a date (YYYY-MM-DD)')

    incidents = _codes(data, "incidents", problems)
    all_incidents = ALL in incidents
    if all_incidents and len(incidents) > 1:
        problems.append(f'field "incidents": "{ALL}" stands alone, not with other incident types')
    incident_ids = _lookup(incidents if not all_incidents else [], known.incidents, "incidents", "an incident type", problems)
    states = [code.upper() for code in _codes(data, "states", problems)]
    state_ids = _lookup(states, known.states, "states", "a state code", problems)
    kind_ids = _lookup(_codes(data, "kinds", problems), known.kinds, "kinds", "a contact kind", problems)
    contact_ids = []
    for name in _codes(data, "contacts", problems):
        contact_id, message = known.contact(name)
        if message:
            problems.append(f'field "contacts": {message}')
        else:
            contact_ids.append(contact_id)

    replaces = data["replaces"]
    replaces_is_general = True
    if replaces is not None and not isinstance(replaces, str):
        problems.append('field "replaces" must be the slug of a general step or null')
        replaces = None
    elif replaces in by_slug:
        replaces_is_general = not by_slug[replaces].get("states")
    elif replaces in known.general_in_db:
        replaces_is_general = known.general_in_db[replaces]
    elif replaces:
        problems.append(f'field "replaces": no step has the slug "{replaces}"')
        replaces = None
    variants = [s for s, r in by_slug.items() if r.get("replaces") == slug and s != slug]
    for field_name, message in step_rule_errors(
        slug=slug, all_incidents=all_incidents, incident_count=len([i for i in incidents if i != ALL]),
        state_count=len(states), replaces_slug=replaces, replaces_is_general=replaces_is_general,
        variant_slugs=variants,
    ):
        problems.append(f'field "{FILE_FIELDS.get(field_name, field_name)}": {message}')
    if problems:
        return problems, None
    return [], {
        "slug": slug,
        "order": order,
        "all_incidents": all_incidents,
        "incident_types": sorted(incident_ids),
        "states": sorted(state_ids),
        "replaces": replaces,
        **{name: data[name].strip() for name in TEXTS},
        "kinds": sorted(kind_ids),
        "contacts": sorted(contact_ids),
        "services": list(data["services"]),
        "sources": list(data["sources"]),
        "law": list(data["law"]),
        "last_reviewed": reviewed.isoformat(),
    }


def _codes(data: dict, name: str, problems: list[str]) -> list[str]:
    value = data[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f'field "{name}" must be a list of texts')
        return []
    return [v.strip() for v in value]


def _lookup(codes: list[str], known: dict[str, int], name: str, what: str, problems: list[str]) -> list[int]:
    ids = []
    for code in codes:
        if code in known:
            ids.append(known[code])
        else:
            problems.append(f'field "{name}": "{code}" is not {what}; known: {", ".join(sorted(known))}')
    return ids


# --- writing ----------------------------------------------------------------------------


def digest(resolved: dict) -> str:
    return hashlib.sha256(json.dumps(resolved, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def step_resolved(step: Step) -> dict:
    """A saved step in the resolved record form, to tell whether it changed since loading."""
    return {
        "slug": step.slug,
        "order": step.order,
        "all_incidents": step.all_incidents,
        "incident_types": sorted(t.pk for t in step.incident_types.all()),
        "states": sorted(s.pk for s in step.states.all()),
        "replaces": step.replaces.slug if step.replaces_id else None,
        **{name: getattr(step, name).strip() for name in TEXTS},
        "kinds": sorted(k.pk for k in step.kinds.all()),
        "contacts": sorted(c.pk for c in step.contacts.all()),
        "services": list(step.services),
        "sources": list(step.sources),
        "law": list(step.law),
        "last_reviewed": step.last_reviewed.isoformat(),
    }


def _apply(resolved: list[dict], *, overwrite: bool) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        existing = {
            step.slug: step
            for step in Step.objects.select_related("replaces").prefetch_related("incident_types", "states", "kinds", "contacts")
        }
        writes = []
        for item in resolved:
            step, wanted = existing.get(item["slug"]), digest(item)
            if step is None:
                report.created.append(item["slug"])
            elif step.fixture_digest == wanted:
                # The file says what it said at the last load: nothing to do, and whatever
                # the admin changed since (including switching the step off) stays.
                report.unchanged.append(item["slug"])
                continue
            elif overwrite or digest(step_resolved(step)) in (step.fixture_digest, wanted):
                report.updated.append(item["slug"])
            else:
                report.kept.append(item["slug"])
                continue
            writes.append((step or Step(slug=item["slug"]), item, wanted))
        for step, item, wanted in writes:
            for name in ("order", "all_incidents", *TEXTS, "services", "sources", "law"):
                setattr(step, name, item[name])
            step.last_reviewed = dt.date.fromisoformat(item["last_reviewed"])
            step.fixture_digest = wanted
            step.replaces = None
            step.save()
            step.incident_types.set(item["incident_types"])
            step.states.set(item["states"])
            step.kinds.set(item["kinds"])
            step.contacts.set(item["contacts"])
            existing[step.slug] = step
        for step, item, _ in writes:
            if item["replaces"]:
                step.replaces = existing[item["replaces"]]
                step.save(update_fields=["replaces", "updated_at"])
        in_file = {item["slug"] for item in resolved}
        report.inactive = sorted(slug for slug in in_file if slug in existing and not existing[slug].active)
        for slug, step in existing.items():
            if step.fixture_digest and slug not in in_file and step.active:
                step.active = False
                step.save(update_fields=["active", "updated_at"])
                report.deactivated.append(slug)
    return report
