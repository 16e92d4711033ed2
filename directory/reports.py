"""What the directory holds and lacks: the data report (issue 15).

`network_report()` reads the database once and answers the questions a curator asks before
trusting the directory in a state: which core kinds of help each state has (state-wide or
for some of its districts), which districts a kind leaves uncovered, which contacts no
incident filter finds, which links are plain http, which contacts can be reached neither by
phone nor through a website, and which sources are old. `manage.py data_report` prints it;
the admin shows the same report (directory.admin).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from directory.models import Contact, ContactKind, District, Scope, State

# The kinds every state should have, in the order of the list; the city-states have
# no municipal association of their own, the Deutscher Städtetag (nationwide) fills that role.
CORE_KINDS = ["police_online", "state_security", "prosecution", "victim_support", "mobile_counselling", "municipal_association"]
CITY_STATES = {"BE", "HB", "HH"}
OLD_SOURCE_YEARS = 5


@dataclass
class StateRow:
    code: str
    name: str
    counts: dict[str, int]  # core kind → active contacts helping in the state (state-wide or some districts)
    partial: dict[str, tuple[int, int]]  # core kind → (districts covered, districts) when not all are
    lacking: list[str]  # core kinds with no contact at all
    by_nationwide: list[str]  # core kinds only a nationwide contact provides (city-states' associations)
    districts_total: int = 0
    stale: dict[str, int] = field(default_factory=dict)  # core kind → of counts, not verified for VERIFY_AFTER_DAYS
    without_district_help: list[tuple[str, str]] = field(default_factory=list)  # (AGS, name) of districts no district-level contact covers


@dataclass
class NetworkReport:
    today: date
    kinds: list[tuple[str, str]]  # (slug, label) of the core kinds
    states: list[StateRow]
    nationwide: dict[str, int]  # core kind → nationwide contacts
    active: int = 0
    verify_after_days: int = 365
    stale: int = 0  # active contacts not verified for verify_after_days
    nationwide_stale: dict[str, int] = field(default_factory=dict)
    without_incidents: list[Contact] = field(default_factory=list)
    http_urls: list[tuple[Contact, str, str]] = field(default_factory=list)  # contact, field, url
    unreachable: list[Contact] = field(default_factory=list)  # neither phone nor website
    without_source: list[Contact] = field(default_factory=list)
    old_sources: list[Contact] = field(default_factory=list)  # source_date older than OLD_SOURCE_YEARS
    undated_sources: int = 0


def network_report(*, today: date | None = None) -> NetworkReport:
    from django.conf import settings

    today = today or timezone.localdate()
    stale_before = today - timedelta(days=settings.VERIFY_AFTER_DAYS)
    labels = dict(ContactKind.objects.filter(slug__in=CORE_KINDS).values_list("slug", "name_de"))
    kinds = [(slug, labels.get(slug, slug)) for slug in CORE_KINDS]
    contacts = list(
        Contact.objects.filter(active=True)
        .prefetch_related("kinds", "states", "districts", "phones", "incident_types")
        .order_by("name", "id")
    )
    districts_of: dict[str, set[str]] = defaultdict(set)
    district_names: dict[str, str] = {}
    for ags, code, name in District.objects.values_list("ags", "state__code", "short_name"):
        districts_of[code].add(ags)
        district_names[ags] = name
    with_district_help: set[str] = set()  # AGS covered by an active district or local contact
    stale_ids: set[int] = set()

    # kind → state → (state-wide contacts, district contacts, districts they cover)
    statewide: dict[tuple[str, str], set[int]] = defaultdict(set)
    regional: dict[tuple[str, str], set[int]] = defaultdict(set)
    covered: dict[tuple[str, str], set[str]] = defaultdict(set)
    nationwide: dict[str, int] = {slug: 0 for slug in CORE_KINDS}
    report = NetworkReport(today=today, kinds=kinds, states=[], nationwide=nationwide, active=len(contacts),
                           verify_after_days=settings.VERIFY_AFTER_DAYS, nationwide_stale={slug: 0 for slug in CORE_KINDS})
    cutoff = f"{today.year - OLD_SOURCE_YEARS:04d}-{today.month:02d}-{today.day:02d}"
    for contact in contacts:
        slugs = {k.slug for k in contact.kinds.all()}
        if contact.last_verified is None or contact.last_verified < stale_before:
            stale_ids.add(contact.id)
        if contact.scope in (Scope.DISTRICT, Scope.LOCAL):
            with_district_help.update(d.ags for d in contact.districts.all())
        for slug in slugs & set(CORE_KINDS):
            if contact.scope == Scope.NATIONAL:
                nationwide[slug] += 1
                report.nationwide_stale[slug] += contact.id in stale_ids
            elif contact.scope == Scope.STATE:
                for state in contact.states.all():
                    statewide[slug, state.code].add(contact.id)
            else:
                for district in contact.districts.all():
                    code = _state_of(district.ags, districts_of)
                    regional[slug, code].add(contact.id)
                    covered[slug, code].add(district.ags)
        if not contact.all_incidents and not contact.incident_types.all():
            report.without_incidents.append(contact)
        for name in ("website", "online_report_url", "source_url"):
            url = getattr(contact, name)
            if url.lower().startswith("http://"):
                report.http_urls.append((contact, name, url))
        if not contact.phones.all() and not contact.website:
            report.unreachable.append(contact)
        if not contact.source_url:
            report.without_source.append(contact)
        if not contact.source_date:
            report.undated_sources += 1
        elif _padded(contact.source_date) < cutoff:
            report.old_sources.append(contact)

    for state in State.objects.order_by("name"):
        code = state.code
        counts, partial, lacking, by_nationwide, stale = {}, {}, [], [], {}
        for slug in CORE_KINDS:
            helping = statewide[slug, code] | regional[slug, code]
            counts[slug] = len(helping)
            stale[slug] = len(helping & stale_ids)
            if not statewide[slug, code] and regional[slug, code]:
                partial[slug] = (len(covered[slug, code]), len(districts_of[code]))
                if partial[slug][0] == partial[slug][1]:
                    del partial[slug]
            if not counts[slug]:
                if slug == "municipal_association" and code in CITY_STATES and nationwide[slug]:
                    by_nationwide.append(slug)
                else:
                    lacking.append(slug)
        without = sorted((district_names[ags], ags) for ags in districts_of[code] - with_district_help)
        report.states.append(StateRow(code, state.name, counts, partial, lacking, by_nationwide, len(districts_of[code]), stale,
                                      [(ags, name) for name, ags in without]))
    report.stale = len(stale_ids)
    return report


def _state_of(ags: str, districts_of: dict[str, set[str]]) -> str:
    for code, keys in districts_of.items():
        if ags in keys:
            return code
    return ""


def _padded(value: str) -> str:
    """2019 → 2019-12-31 and 2019-03 → 2019-03-31: a partial date is as new as its period allows."""
    parts = value.split("-")
    return "-".join([parts[0], parts[1] if len(parts) > 1 else "12", parts[2] if len(parts) > 2 else "31"])


def report_lines(report: NetworkReport) -> list[str]:
    """The report as plain text (manage.py data_report)."""
    slugs = [slug for slug, _ in report.kinds]
    width = max(len(label) for _, label in report.kinds)
    lines = [f"Lotse data report, {report.today.isoformat()}: {report.active} active contacts", ""]
    lines.append("Core kinds per state (active contacts, state-wide or for some districts):")
    lines.append("")
    header = "state  " + "  ".join(f"{i + 1:>3}" for i in range(len(slugs)))
    lines.append(header)
    for row in report.states:
        cells = []
        for slug in slugs:
            mark = "*" if slug in row.partial else "^" if slug in row.by_nationwide else " "
            cells.append(f"{row.counts[slug]:>3}{mark}")
        lines.append(f"{row.code:<6} " + " ".join(cells))
    lines.append("DE     " + " ".join(f"{report.nationwide[slug]:>3} " for slug in slugs) + " (nationwide)")
    lines.append("")
    for i, (slug, label) in enumerate(report.kinds):
        lines.append(f"  {i + 1} = {label:<{width}} ({slug})")
    lines.append("  * only some districts covered (see below)   ^ through a nationwide contact (city-states)")
    lines.append("")
    lines.append("Kinds covering only some districts of a state:")
    partial = [(row.code, slug, n, total) for row in report.states for slug, (n, total) in row.partial.items()]
    lines += [f"  {code} {slug}: {n} of {total} districts" for code, slug, n, total in partial] or ["  none"]
    lines.append("")
    lines.append("Core kinds each state lacks:")
    lacking = [f"  {row.code} {row.name}: {', '.join(row.lacking)}" for row in report.states if row.lacking]
    lines += lacking or ["  none"]
    lines.append("")
    sections = [
        ("Contacts without incident information (neither incident types nor 'all incidents')",
         [_name(c) for c in report.without_incidents]),
        ("http:// URLs", [f"{_name(c)}: {name} {url}" for c, name, url in report.http_urls]),
        ("Contacts with neither phone nor website", [_name(c) for c in report.unreachable]),
        ("Contacts without a source URL", [_name(c) for c in report.without_source]),
        (f"Sources dated more than {OLD_SOURCE_YEARS} years ago",
         [f"{_name(c)}: {c.source_date} {c.source_url}" for c in report.old_sources]),
    ]
    for title, items in sections:
        lines.append(f"{title}: {len(items)}")
        lines += [f"  {item}" for item in items]
        lines.append("")
    lines.append(f"Sources without a date: {report.undated_sources} of {report.active}")
    lines.append("")
    lines.append(f"Stale: {report.stale} of {report.active} active contacts not verified for {report.verify_after_days} days "
                 "(VERIFY_AFTER_DAYS)")
    lines.append("Stale core contacts per state (stale/helping):")
    lines.append("state  " + "  ".join(f"{i + 1:>5}" for i in range(len(slugs))))
    for row in report.states:
        lines.append(f"{row.code:<6} " + " ".join(f"{row.stale[slug]:>3}/{row.counts[slug]:<3}" for slug in slugs))
    lines.append("DE     " + " ".join(f"{report.nationwide_stale[slug]:>3}/{report.nationwide[slug]:<3}" for slug in slugs)
                 + " (nationwide)")
    lines.append("")
    lines.append("Districts without any district-level help (no active district or local contact covers them):")
    for row in report.states:
        names = ", ".join(f"{name} ({ags})" for ags, name in row.without_district_help)
        lines.append(f"  {row.code} {len(row.without_district_help)} of {row.districts_total}: {names or 'none'}")
    return lines


def _name(contact: Contact) -> str:
    return f"{contact.name} [{contact.external_id or contact.pk}]"
