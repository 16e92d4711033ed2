import pytest

from directory.phones import PhoneError, phone_display, phone_to_e164


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0711 5401-3003", "+4971154013003"),
        ("(040) 284016-67", "+494028401667"),
        ("0800 300 99 44", "+498003009944"),
        ("030 / 252 088 38", "+493025208838"),
        ("+49 30 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
    ],
)
def test_it_normalises_german_notations_to_e164(raw, expected):
    assert phone_to_e164(raw) == expected


@pytest.mark.parametrize("raw, expected", [("116 006", "116006"), ("116 016", "116016"), ("116123", "116123"), ("110", "110")])
def test_it_keeps_service_numbers_dialable(raw, expected):
    assert phone_to_e164(raw) == expected


@pytest.mark.parametrize("raw", ["12", "abc", "0711", "11601", ""])
def test_it_rejects_what_is_no_phone_number(raw):
    with pytest.raises(PhoneError):
        phone_to_e164(raw)


def test_it_displays_numbers_in_national_form():
    assert phone_display("+4971154013003") == "0711 54013003"
    assert phone_display("116006") == "116 006"
