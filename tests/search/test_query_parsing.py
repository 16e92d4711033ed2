"""The one query model: parse, validate with exact messages, canonical links."""

import pytest
from django.http import QueryDict

from search.query import QueryError, SearchQuery, parse_query

pytestmark = pytest.mark.django_db


def parse(qs: str) -> SearchQuery:
    return parse_query(QueryDict(qs))


def error(qs: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse(qs)
    return info.value


def test_empty_query_has_defaults():
    query = parse("")
    assert (query.q, query.page, query.per_page, query.districts, query.states) == ("", 1, 20, (), ())
    assert query.to_params() == []


def test_postcode_resolves_to_point_and_districts():
    query = parse("near=99084")
    assert query.near_district == "16051" and query.districts == ("16051",) and query.states == ("TH",)
    assert query.point == pytest.approx((50.9746, 11.0297))


def test_postcode_spanning_districts_counts_as_all_of_them():
    query = parse("near=06120")
    assert query.near_district == "15002"
    assert set(query.districts) == {"15002", "15088"}


def test_town_resolves_and_state_disambiguates():
    assert parse("near=Erfurt").districts == ("16051",)
    assert parse("near=Aach&state=BW").districts == ("08335",)


def test_ambiguous_town_names_districts():
    exc = error("near=Aach")
    assert exc.field == "near"
    assert exc.message_en == '"Aach" exists in 2 districts (07235, 08335); give a postcode'


def test_point_resolves_to_nearest_postcode_district():
    query = parse("near=48.137,11.575")
    assert query.districts == ("09162",) and query.point == (48.137, 11.575)
    assert query.near == "48.13700,11.57500"


@pytest.mark.parametrize(
    "qs, field, message",
    [
        ("state=XX", "state", '"XX" is not a German state code; use one of BB (Brandenburg), BE (Berlin), '
                              'BW (Baden-Württemberg), BY (Bavaria), HB (Bremen), HE (Hesse), HH (Hamburg), '
                              'MV (Mecklenburg-Western Pomerania), NI (Lower Saxony), NW (North Rhine-Westphalia), '
                              'RP (Rhineland-Palatinate), SH (Schleswig-Holstein), SL (Saarland), SN (Saxony), '
                              'ST (Saxony-Anhalt), TH (Thuringia)'),
        ("district=99999", "district", '"99999" is not a German district (AGS)'),
        ("district=9162", "district", '"9162" is not a district key; use the 5-digit AGS, e.g. 09162'),
        ("district=09162&state=TH", "district", "09162 lies in BY, not in TH; drop one of them"),
        # The API names the slugs it takes, each with its label (issue 17).
        ("incident=murder", "incident", '"murder" is not an incident type; use one of insult (Insult), defamation (Defamation), '
                                        'threat (Threat), coercion (Coercion / blackmail), physical_attack (Physical attack), '
                                        'property_damage (Damage to property), online_hate (Online hate), '
                                        'doxxing (Publication of private data (doxxing)), stalking (Stalking), '
                                        'incitement (Incitement to hatred), sexual_harassment (Sexual harassment), '
                                        'extremist_intimidation (Extremist intimidation / disruption of meetings)'),
        ("kind=spy", "kind", '"spy" is not a contact kind; use one of emergency (Emergency number), police (Police station), '
                             'police_online (Online police station), state_security (State criminal police / state security), '
                             'prosecution (Public prosecutor (hate crime unit)), victim_support (Victim support), '
                             'psychological (Psychological counselling), legal (Legal advice), '
                             'mobile_counselling (Mobile counselling against right-wing extremism), '
                             'reporting_office (Reporting office for online hate), municipal_association (Municipal association), '
                             'prevention (Prevention and training), authority (Public authority)'),
        ("target=aliens", "target", '"aliens" is not a target group; use one of officials (Officials and elected representatives), '
                                    'municipal_staff (Municipal staff), volunteers (Volunteers), relatives (Relatives), '
                                    'everyone (Everyone)'),
        ("near=00000", "near", '"00000" is not a German postcode'),
        ("near=123", "near", '"123" is not a postcode; a German postcode has 5 digits'),
        ("near=Xyzzyhausen", "near", 'no town "Xyzzyhausen" found; give a postcode'),
        ("near=91.5,10", "near", '"91.5,10" is not a point; use "lat,lng" in degrees, e.g. 50.978,11.029'),
        ("near=40.7,-74.0", "near", '"40.7,-74.0" lies outside Germany; give a German postcode, town or point'),
        ("near=12,abc", "near", '"12,abc" is neither a postcode, a town nor a point "lat,lng"'),
        ("near=99084&radius=0", "radius", '"0" is out of range; use 1 to 200 km'),
        ("near=99084&radius=500", "radius", '"500" is out of range; use 1 to 200 km'),
        ("near=99084&radius=nan", "radius", '"nan" is out of range; use 1 to 200 km'),
        ("near=99084&radius=far", "radius", '"far" is not a number of kilometres'),
        ("radius=10", "radius", "needs near= (a postcode, town or point to measure from)"),
        ("near=99084&district=16051", "near", "give either near or district, not both"),
        ("near=99084&state=BY", "near", '"99084" does not lie in BY; drop one of near and state'),
        ("free=maybe", "free", '"maybe" is not a yes/no value; use 1 or 0'),
        ("lang=fr", "lang", '"fr" is not a language; use de or en'),
        ("page=0", "page", "0 is out of range; use 1 to 1000"),
        ("per_page=1000", "per_page", "1000 is out of range; use 1 to 100"),
        ("per_page=-5", "per_page", '"-5" is not a whole number; use 1 to 100'),
        ("state=TH&state=BY", "state", 'give one value, not 2 ("TH", "BY")'),
        ("target=officials&target=relatives", "target", "give one target group, not 2"),
    ],
)
def test_bad_values_name_the_parameter_and_value(qs, field, message):
    exc = error(qs)
    assert (exc.field, exc.message_en) == (field, message)


def test_too_long_text_is_refused():
    exc = error("q=" + "a" * 201)
    assert (exc.field, exc.message_en) == ("q", "is 201 characters long; use at most 200")


def test_state_accepts_any_case_and_iso_code():
    assert parse("state=th").state == "TH"
    assert parse("state=DE-by").state == "BY"


def test_repeatable_and_comma_separated_slugs_are_canonical():
    query = parse("incident=threat&incident=insult,threat&kind=Legal")
    assert query.incidents == ("insult", "threat") and query.kinds == ("legal",)


def test_flags_accept_true_and_one():
    query = parse("free=1&anonymous=true&barrier_free=yes&open_24_7=on")
    assert query.free and query.anonymous and query.barrier_free and query.open_24_7


def test_canonical_params_round_trip():
    query = parse("kind=legal&incident=threat&near=99084&radius=25&q=Hilfe%20%20jetzt&free=1&lang=en&page=2&per_page=10&utm_source=x")
    assert query.to_params() == [
        ("q", "Hilfe jetzt"), ("near", "99084"), ("radius", "25"), ("incident", "threat"), ("kind", "legal"),
        ("free", "1"), ("lang", "en"), ("page", "2"), ("per_page", "10"),
    ]
    assert parse(query.to_querystring()) == query


def test_with_changes_one_thing_and_returns_to_page_one():
    query = parse("near=99084&incident=threat&page=3")
    facet = query.toggled("incidents", "insult")
    assert facet.incidents == ("insult", "threat") and facet.page == 1 and facet.near == "99084"
    assert facet.toggled("incidents", "insult").incidents == ("threat",)
    with pytest.raises(TypeError):
        query.with_(district="09162")


def test_dict_of_lists_is_accepted():
    query = parse_query({"state": ["TH"], "incident": ["threat", "insult"]})
    assert query.state == "TH" and query.incidents == ("insult", "threat")


@pytest.mark.parametrize(
    "qs, german",
    [
        ("near=123", '"123" ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern'),
        ("near=Aach", '"Aach" gibt es in 2 Kreisen (07235, 08335); bitte die Postleitzahl angeben'),
        ("near=Xyzzyhausen&state=TH", 'kein Ort "Xyzzyhausen" in TH gefunden; bitte die Postleitzahl angeben'),
        ("radius=10", "braucht near= (eine Postleitzahl, einen Ort oder Punkt als Mittelpunkt)"),
    ],
)
def test_messages_are_german_first_and_english_for_the_api(qs, german):
    from django.utils import translation

    exc = error(qs)
    with translation.override("de"):
        assert exc.message == german
    with translation.override("en"):
        assert exc.message == exc.message_en != german


@pytest.mark.parametrize(
    "qs, german, english",
    [
        ("incident=murder",
         '"murder" ist keine bekannte Vorfallart; möglich sind Beleidigung, Üble Nachrede / Verleumdung, Bedrohung, '
         "Nötigung / Erpressung, Körperlicher Angriff, Sachbeschädigung, Hass und Hetze im Netz, "
         "Veröffentlichung privater Daten, Nachstellung, Volksverhetzung, Sexuelle Belästigung, "
         "Extremistische Einschüchterung / Störung von Sitzungen",
         '"murder" is not an incident type; use one of Insult, Defamation, Threat, Coercion / blackmail, Physical attack, '
         "Damage to property, Online hate, Publication of private data (doxxing), Stalking, Incitement to hatred, "
         "Sexual harassment, Extremist intimidation / disruption of meetings"),
        ("target=aliens",
         '"aliens" ist keine bekannte Zielgruppe; möglich sind Amts- und Mandatsträger, Kommunale Beschäftigte, '
         "Ehrenamtliche, Angehörige, Alle",
         '"aliens" is not a target group; use one of Officials and elected representatives, Municipal staff, Volunteers, '
         "Relatives, Everyone"),
        ("state=XX",
         '"XX" ist kein Kürzel eines Bundeslandes; möglich sind Baden-Württemberg (BW), Bayern (BY), Berlin (BE), '
         "Brandenburg (BB), Bremen (HB), Hamburg (HH), Hessen (HE), Mecklenburg-Vorpommern (MV), Niedersachsen (NI), "
         "Nordrhein-Westfalen (NW), Rheinland-Pfalz (RP), Saarland (SL), Sachsen (SN), Sachsen-Anhalt (ST), "
         "Schleswig-Holstein (SH), Thüringen (TH)",
         None),
    ],
)
def test_pages_name_the_values_by_their_labels_in_the_visitor_s_language(qs, german, english):
    # Issue 17: the German page listed the English slugs ("möglich sind insult, defamation, …").
    from django.utils import translation

    exc = error(qs)
    with translation.override("de"):
        assert exc.message == german
    if english:
        with translation.override("en"):
            assert exc.message == english
