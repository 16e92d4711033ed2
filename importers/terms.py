"""Taxonomy values as partners write them: German and English names and common synonyms
(issue 22: "Polizei" is the police kind, "Bedrohungen" the threat incident).

A value is compared by `term_key`: case, spaces, punctuation and umlaut spelling do not
matter ("Prävention", "Praevention" and "Pravention" are one key). The names of the
reference data (slug, name_de, name_en, and the parts of a name such as "LKA / Staatsschutz")
are always known; the synonyms below add what lists commonly say instead. A value that is
still unknown can be mapped per source (importers/columns.py, the admin preview).

A synonym names one term only: where a word could mean two ("Hetze": online hate or
incitement?) it is left out, and the mapping decides.
"""

from __future__ import annotations

import re

from directory.text import normalise_name

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "kinds": {
        "emergency": ["Notruf", "Notrufnummer", "Notfall", "Notfallnummer", "Emergency", "Emergency call"],
        "police": ["Polizei", "Polizeidienststelle", "Polizeirevier", "Polizeiinspektion", "Polizeipräsidium", "Polizeiwache",
                   "Polizeistation", "Polizeiposten", "Polizeidirektion", "Revier", "Kriminalpolizei", "Kripo", "Police"],
        "police_online": ["Onlinewache", "Online-Wache", "Internetwache", "Internet-Wache", "Online-Anzeige", "Onlineanzeige",
                          "Internetwache der Polizei", "Online police"],
        "state_security": ["LKA", "Landeskriminalamt", "Staatsschutz", "polizeilicher Staatsschutz", "Staatsschutzdezernat",
                           "State criminal police", "State security"],
        "prosecution": ["Staatsanwaltschaft", "StA", "Generalstaatsanwaltschaft", "Zentralstelle Hasskriminalität",
                        "Schwerpunktstaatsanwaltschaft", "Prosecutor", "Public prosecutor", "Prosecution"],
        "victim_support": ["Opferberatung", "Opferhilfe", "Opferschutz", "Opferberatungsstelle", "Betroffenenberatung",
                           "Beratung für Betroffene", "Beratungsstelle für Betroffene", "Opferhilfeberatung", "Victim support",
                           "Victim counselling"],
        "psychological": ["psychologische Beratung", "psychologische Hilfe", "psychosoziale Beratung", "psychosoziale Unterstützung",
                          "Krisenberatung", "Krisendienst", "Krisenintervention", "Seelsorge", "Telefonseelsorge",
                          "Psychological counselling", "Psychological support"],
        "legal": ["Rechtsberatung", "Rechtshilfe", "juristische Beratung", "Rechtsanwalt", "Rechtsanwältin", "Anwalt", "Anwältin",
                  "Legal advice", "Legal aid"],
        "mobile_counselling": ["Mobile Beratung", "Mobile Beratung gegen Rechtsextremismus", "MBR", "Mobiles Beratungsteam",
                               "Mobile counselling"],
        "reporting_office": ["Meldestelle", "Meldestelle für Hass im Netz", "Meldeportal", "Hass melden", "Reporting office"],
        "municipal_association": ["kommunaler Spitzenverband", "Spitzenverband", "Städtetag", "Landkreistag", "Gemeindetag",
                                  "Städte- und Gemeindebund", "Gemeinde- und Städtebund", "Municipal association"],
        "prevention": ["Prävention", "Prävention und Schulung", "Schulung", "Schulungen", "Fortbildung", "Training",
                       "Präventionsangebot", "Prevention"],
        "authority": ["Behörde", "Meldebehörde", "Bürgeramt", "Ordnungsamt", "Einwohnermeldeamt", "Verwaltung", "Authority",
                      "Registration office"],
    },
    "incident_types": {
        "insult": ["Beleidigung", "Beschimpfung", "Verunglimpfung", "Insult"],
        "defamation": ["Üble Nachrede", "Verleumdung", "Rufschädigung", "Rufmord", "Defamation"],
        "threat": ["Bedrohung", "Drohung", "Morddrohung", "Todesdrohung", "Threat", "Threats"],
        "coercion": ["Nötigung", "Erpressung", "Coercion", "Blackmail"],
        "physical_attack": ["körperlicher Angriff", "Angriff", "tätlicher Angriff", "Körperverletzung", "körperliche Gewalt",
                            "Übergriff", "Gewalt", "Physical attack", "Assault"],
        "property_damage": ["Sachbeschädigung", "Vandalismus", "Schmiererei", "Graffiti", "Property damage"],
        "online_hate": ["Hass im Netz", "Hass und Hetze im Netz", "Hate Speech", "Hassrede", "Hasskommentar", "Hassposting",
                        "digitale Gewalt", "Cybermobbing", "Online hate"],
        "doxxing": ["Doxxing", "Doxing", "Veröffentlichung privater Daten", "Veröffentlichung der Adresse", "Outing",
                    "Feindesliste"],
        "stalking": ["Stalking", "Nachstellung", "Nachstellen"],
        "incitement": ["Volksverhetzung", "Incitement", "Incitement to hatred"],
        "sexual_harassment": ["sexuelle Belästigung", "sexualisierte Gewalt", "sexuelle Übergriffe", "Sexual harassment"],
        "extremist_intimidation": ["extremistische Einschüchterung", "Einschüchterung", "Einschüchterungsversuch",
                                   "Störung von Sitzungen", "Sitzungsstörung", "Störung", "Intimidation"],
    },
    "target_groups": {
        "officials": ["Amtsträger", "Mandatsträger", "Amts- und Mandatsträger", "Amtsträgerinnen", "Mandatsträgerinnen",
                      "kommunale Mandatsträger", "Kommunalpolitiker", "Kommunalpolitikerinnen", "Politiker", "Bürgermeister",
                      "Bürgermeisterin", "Landrat", "Landrätin", "Ratsmitglied", "Gemeinderat", "Officials"],
        "municipal_staff": ["kommunale Beschäftigte", "Beschäftigte", "Mitarbeitende", "Verwaltungsmitarbeitende",
                            "Verwaltungsbeschäftigte", "Bedienstete", "Municipal staff", "Staff"],
        "volunteers": ["Ehrenamtliche", "Ehrenamt", "ehrenamtlich Tätige", "Ehrenamtler", "Volunteers"],
        "relatives": ["Angehörige", "Familienangehörige", "Familie", "Relatives", "Family"],
        "everyone": ["Alle", "alle Menschen", "jeder", "allgemein", "Bürgerinnen und Bürger", "Everyone", "All"],
    },
    "channels": {
        "phone": ["Telefon", "telefonisch", "Hotline", "Anruf", "Phone", "Telephone"],
        "email": ["E-Mail", "Mail", "per E-Mail", "Email"],
        "chat": ["Chat", "Onlinechat", "Online-Chat", "Messenger"],
        "video": ["Video", "Videoberatung", "Videogespräch", "Videocall", "Videotelefonie", "Video call"],
        "online_form": ["Online-Formular", "Onlineformular", "Kontaktformular", "Formular", "Online-Meldung", "Online form"],
        "in_person": ["persönlich", "vor Ort", "persönlich vor Ort", "Präsenz", "Sprechstunde", "In person"],
        "outreach": ["aufsuchend", "aufsuchende Beratung", "Hausbesuch", "Outreach"],
    },
}

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "a", "Ö": "o", "Ü": "u", "ß": "ss"})
_PARTS = re.compile(r"\s*(?:/|\(|\))\s*")
# German plural and case endings, tried when a value is not found as written ("Bedrohungen").
_ENDINGS = ("en", "n", "e", "s")


def term_key(text: str) -> str:
    """ "LKA / Staatsschutz" → "lkastaatsschutz", "Prävention" → "praevention"."""
    return normalise_name(text).replace(" ", "")


def term_keys(text: str) -> set[str]:
    """Every key a name is known by: as written, without its umlauts' e ("Pravention"), and
    each part of a name like "LKA / Staatsschutz" or "Staatsanwaltschaft (Zentralstelle …)"."""
    names = {text, *(part for part in _PARTS.split(text) if part.strip())}
    keys = set()
    for name in names:
        keys.add(term_key(name))
        keys.add(term_key(name.translate(_UMLAUTS)))
    keys.discard("")
    return keys


def term_lookup(column: str, terms) -> dict[str, str]:
    """key → slug for one taxonomy column: the terms' own names first, then the synonyms
    (a synonym never takes a key that a term's own name has)."""
    lookup: dict[str, str] = {}
    for term in terms:
        for name in (term.slug, term.name_de, term.name_en):
            for key in term_keys(name):
                lookup.setdefault(key, term.slug)
    slugs = {term.slug for term in terms}
    for slug, words in SYNONYMS.get(column, {}).items():
        if slug not in slugs:
            continue
        for word in words:
            for key in term_keys(word):
                lookup.setdefault(key, slug)
    return lookup


def term_find(lookup: dict[str, str], value: str) -> str | None:
    """The slug for a value: as written, umlauts written plain, or without a plural ending."""
    for key in (term_key(value), term_key(value.translate(_UMLAUTS))):
        if key in lookup:
            return lookup[key]
        for ending in _ENDINGS:
            if key.endswith(ending) and len(key) > len(ending) + 3 and key[: -len(ending)] in lookup:
                return lookup[key[: -len(ending)]]
    return None
