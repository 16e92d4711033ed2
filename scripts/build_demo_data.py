"""Build fixtures/demo/contacts.csv from the public facts in ../shared/reference/.

Run: python scripts/build_demo_data.py [path/to/public_contacts_facts.csv]

Every row keeps its source URL and is marked as not yet verified (empty last_verified).
The facts' organisation types are mapped onto our contact kinds below; their incident
types onto ours ("extremism" → extremist_intimidation, "other" is dropped because it says
nothing a searcher could pick). The descriptions are ours, written from the organisation
type; nothing is invented beyond what the source row says.
"""

import csv
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FACTS = ROOT.parent / "shared" / "reference" / "public_contacts_facts.csv"
OUTPUT = ROOT / "fixtures" / "demo" / "contacts.csv"

COLUMNS = [
    "source_id", "name", "organisation", "kinds", "incident_types", "target_groups", "channels",
    "description_de", "description_en", "scope", "states", "districts", "street", "postcode", "town",
    "phone", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages",
    "barrier_free", "anonymous", "free_of_charge", "source_url", "last_verified", "active",
]

# org_type → (kinds, target groups, description de, description en)
ORG_TYPES = {
    "police_online_reporting": (["police_online"], ["everyone"],
        "Onlinewache der Polizei: Strafanzeige online erstatten, auch für Hass und Hetze im Netz.",
        "Online police station: file a criminal complaint online, including for online hate."),
    "police_lka": (["state_security"], ["everyone"],
        "Landeskriminalamt: zuständig u. a. für politisch motivierte Kriminalität (Staatsschutz).",
        "State criminal police office: responsible among other things for politically motivated crime."),
    "police_hotline_officials": (["state_security", "police"], ["officials", "municipal_staff"],
        "Zentrale Ansprechstelle der Polizei für Amts- und Mandatsträger bei Bedrohungen und Anfeindungen.",
        "Central police contact point for officials and elected representatives facing threats and hostility."),
    "online_hate_counselling": (["victim_support", "legal"], ["everyone"],
        "Beratung für Betroffene von digitaler Gewalt, Unterstützung bei rechtlichen Schritten.",
        "Counselling for people affected by online hate, support with legal action."),
    "helpline": (["victim_support"], ["everyone"],
        "Telefonische Hilfe und Beratung.", "Helpline offering support and counselling."),
    "victim_support_general": (["victim_support"], ["everyone"],
        "Beratung und Begleitung für Opfer von Straftaten.", "Counselling and support for victims of crime."),
    "reporting_office_online_hate": (["reporting_office"], ["everyone"],
        "Meldestelle: Hasskommentare und strafbare Inhalte im Netz melden.",
        "Reporting office: report hate comments and illegal content online."),
    "reporting_office_extremism": (["reporting_office", "prevention"], ["everyone"],
        "Meldestelle für extremistische und menschenfeindliche Vorfälle.",
        "Reporting office for extremist and hate incidents."),
    "support_portal_officials": (["municipal_association", "prevention"], ["officials", "municipal_staff", "volunteers"],
        "Portal der kommunalen Spitzenverbände für Amts- und Mandatsträger: Handlungsoptionen und Ansprechstellen.",
        "Portal of the municipal umbrella associations for officials: options for action and contact points."),
    "support_hotline_officials": (["victim_support", "psychological"], ["officials", "municipal_staff", "volunteers"],
        "Ansprechstelle zum Schutz kommunaler Amts- und Mandatsträger: Beratung bei Bedrohung, Hass und Hetze.",
        "Contact point for the protection of local officials: advice on threats, hate and agitation."),
    "foundation_prevention": (["prevention"], ["everyone"],
        "Kriminalprävention: Informationen und Schulungsangebote.", "Crime prevention: information and training."),
    "umbrella_association": (["victim_support"], ["everyone"],
        "Bundesverband: vermittelt an Beratungsstellen vor Ort.", "Federal association: refers to local counselling services."),
    "municipal_association": (["municipal_association"], ["officials", "municipal_staff"],
        "Kommunaler Spitzenverband: Unterstützung und Informationen für Kommunen und ihre Amtsträger.",
        "Municipal association: support and information for municipalities and their officials."),
    "prosecutor_special_unit": (["prosecution"], ["everyone"],
        "Staatsanwaltschaft mit Zuständigkeit für Hasskriminalität im Netz.",
        "Public prosecutor's office responsible for online hate crime."),
    "victim_counselling_right_wing_violence": (["victim_support"], ["everyone"],
        "Opferberatung für Betroffene rechter, rassistischer und antisemitischer Gewalt.",
        "Counselling for people affected by right-wing, racist and antisemitic violence."),
    "mobile_counselling_extremism": (["mobile_counselling"], ["officials", "municipal_staff", "volunteers"],
        "Mobile Beratung gegen Rechtsextremismus: berät Kommunen, Initiativen und Engagierte vor Ort.",
        "Mobile counselling against right-wing extremism for municipalities, initiatives and volunteers."),
    "coordination_office_extremism": (["mobile_counselling", "prevention"], ["officials", "municipal_staff", "volunteers"],
        "Landeskoordinierungsstelle gegen Rechtsextremismus: vermittelt Beratung und Prävention.",
        "State coordination office against right-wing extremism: refers to counselling and prevention."),
    "state_info_portal": (["prevention"], ["everyone"],
        "Landesportal mit Informationen und Hilfe bei Hass im Netz.", "State portal with information and help on online hate."),
}

REFERENCE = ROOT / "fixtures" / "reference"
INCIDENTS = {"extremism": "extremist_intimidation", "other": None}
STATES = {f"DE-{c}": c for c in "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH".split()}


def slug(text: str) -> str:
    text = text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")


def district_of(row: dict[str, str]) -> str:
    """The district a district or local row covers: its postcode's, else its town's."""
    if row["postcode"]:
        with (REFERENCE / "postcodes.csv").open(encoding="utf-8") as handle:
            return next(r["primary_ags"] for r in csv.DictReader(handle) if r["code"] == row["postcode"])
    with (REFERENCE / "places.csv").open(encoding="utf-8") as handle:
        found = {r["district_ags"] for r in csv.DictReader(handle) if r["name"] == row["town"]}
    if len(found) != 1:
        raise SystemExit(f'{row["name"]}: town "{row["town"]}" is in {len(found)} districts; give a postcode')
    return found.pop()


def convert(row: dict[str, str]) -> dict[str, str]:
    kinds, targets, description_de, description_en = ORG_TYPES[row["org_type"]]
    incidents = []
    for item in row["incident_types"].split(";"):
        item = item.strip()
        mapped = INCIDENTS.get(item, item)
        if mapped and mapped not in incidents:
            incidents.append(mapped)
    phones = [p.strip() for p in row["phone"].split(";") if p.strip()]
    channels = []
    if phones:
        channels.append("phone")
    online_report_url = row["website"] if row["org_type"] in {"police_online_reporting", "reporting_office_online_hate"} else ""
    if online_report_url:
        channels.append("online_form")
    organisation = "WEISSER RING e.V." if row["name"].startswith("WEISSER RING") else ""
    state = STATES.get(row["state_code"], "")
    scope = row["scope"]
    return {
        "source_id": slug(row["name"]),
        "name": row["name"],
        "organisation": organisation,
        "kinds": ";".join(kinds),
        "incident_types": ";".join(incidents),
        "target_groups": ";".join(targets),
        "channels": ";".join(channels),
        "description_de": description_de,
        "description_en": description_en,
        "scope": scope,
        # A state-wide row names its state, a district or local row its district.
        "states": state if scope == "state" else "",
        "districts": district_of(row) if scope in {"district", "local"} else "",
        "street": "",
        "postcode": row["postcode"],
        "town": row["town"],
        "phone": "; ".join(phones),
        "email": "",
        "website": row["website"],
        "online_report_url": online_report_url,
        "opening_hours": "",
        "open_24_7": "",
        "languages": "de",
        "barrier_free": "",
        "anonymous": "",
        "free_of_charge": "",
        # Several sources are separated by " | " in the facts; the first is the primary.
        "source_url": row["source_url"].split("|")[0].strip(),
        "last_verified": "",
        "active": "ja",
    }


def main(facts: Path = DEFAULT_FACTS) -> None:
    with facts.open(newline="", encoding="utf-8") as handle:
        rows = [convert(row) for row in csv.DictReader(handle)]
    ids = [row["source_id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate source ids"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} demo contacts → {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FACTS)
