"""NHS numbers, postcodes, ODS codes and dates of birth: parsed, normalised, or refused by field."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.domain.errors import ValidationError
from avert.domain.identifiers import (
    format_nhs_number,
    nhs_number_check_digit,
    parse_date_of_birth,
    parse_nhs_number,
    parse_ods_code,
    parse_postcode,
)


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    "typed, parsed",
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 9449307946 ", "9449307946"),
        ("9912003888", "9912003888"),
        ("9000000009", "9000000009"),
        ("9876543210", "9876543210"),
    ],
)
def test_valid_nhs_numbers_are_normalised_to_ten_digits(typed, parsed):
    """The DOMAIN.md 4.1 test vectors parse, with spaces and dashes removed."""
    assert parse_nhs_number(typed) == parsed


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("9912003814", "check digit"),
        ("4123456879", "check digit"),
        ("4857773456", "check digit"),
        ("943476591", "ten digits"),
        ("94347659190", "ten digits"),
        ("94347659A9", "ten digits"),
        ("", "ten digits"),
        ("９４３４７６５９１９", "ten digits"),
    ],
)
def test_invalid_nhs_numbers_are_refused_naming_the_field(typed, reason):
    """Wrong length, letters, non-ASCII digits and a bad check digit each give a clear message."""
    with pytest.raises(ValidationError) as caught:
        parse_nhs_number(typed)
    assert caught.value.field == "nhs_number"
    assert reason in caught.value.message
    assert typed.strip() == "" or typed not in str(caught.value)


def test_a_check_digit_of_ten_means_the_number_is_never_issued():
    """Nine digits whose Modulus 11 remainder gives 10 have no valid NHS number."""
    tens = [n for n in (f"{i:09d}" for i in range(100)) if nhs_number_check_digit(n) is None]
    assert tens, "some nine-digit prefixes must be unissuable"
    for prefix in tens:
        for last in "0123456789":
            with pytest.raises(ValidationError):
                parse_nhs_number(prefix + last)


def test_nhs_numbers_are_displayed_in_three_groups():
    """Display form is XXX XXX XXXX."""
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    "typed, parsed",
    [
        ("le1 5ww", "LE1 5WW"),
        ("EC1V9LB", "EC1V 9LB"),
        ("  sw1a 1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("ZZ99 3WZ", "ZZ99 3WZ"),
        ("zz993vz", "ZZ99 3VZ"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_postcodes_are_normalised_with_one_space(typed, parsed):
    """Upper case, one space before the inward code; NHS pseudo-postcodes are accepted."""
    assert parse_postcode(typed) == parsed


@pytest.mark.parametrize("typed", ["", "LE1", "12345", "LE1 5W", "LEE1 5WW", "LE1 5WWW", "L£1 5WW"])
def test_malformed_postcodes_are_refused(typed):
    """Anything not shaped like a UK postcode is refused naming the field."""
    with pytest.raises(ValidationError) as caught:
        parse_postcode(typed, field="address.postcode")
    assert caught.value.field == "address.postcode"


@pytest.mark.parametrize(
    "typed, parsed", [("a81001", "A81001"), ("RAX", "RAX"), (" 8HA03", "8HA03")]
)
def test_ods_codes_are_upper_cased(typed, parsed):
    """ODS codes are opaque: shape checked, case normalised."""
    assert parse_ods_code(typed) == parsed


@pytest.mark.parametrize("typed", ["", "AB", "A81001XXXXX", "A8-1001", "Ä81001"])
def test_malformed_ods_codes_are_refused(typed):
    """Too short, too long or punctuated codes are refused."""
    with pytest.raises(ValidationError):
        parse_ods_code(typed)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2026-11-26", "future"),
        ("1900-11-24", "over 125"),
        ("1948-02-30", "real date"),
        ("24/01/1948", "real date"),
        ("", "real date"),
    ],
)
def test_impossible_dates_of_birth_are_refused(typed, message):
    """Future dates, ages over 125 and dates that do not exist are refused."""
    with pytest.raises(ValidationError) as caught:
        parse_date_of_birth(typed, today=TODAY)
    assert message in caught.value.message


@pytest.mark.parametrize("typed", ["1948-01-24", "2026-11-25", "1901-11-25", date(1940, 5, 1)])
def test_possible_dates_of_birth_are_accepted(typed):
    """Today and exactly 125 years ago are both accepted."""
    assert isinstance(parse_date_of_birth(typed, today=TODAY), date)


ANYTHING = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 -ABCDEFGHIJKLMNOPQRSTUVWXYZabcz", max_size=14),
    st.integers(),
    st.none(),
    st.floats(),
    st.binary(),
    st.dates(),
)


@given(ANYTHING)
def test_any_input_to_any_parser_either_parses_or_raises_a_validation_error(value):
    """R11: the parsers raise nothing but ValidationError, whatever they are given."""
    for parse in (
        parse_nhs_number,
        parse_postcode,
        parse_ods_code,
        lambda v: parse_date_of_birth(v, today=TODAY),
    ):
        try:
            parse(value)
        except ValidationError:
            pass


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_issuable_number_round_trips_through_its_display_form(prefix):
    """A number built with its check digit parses back from the spaced display form."""
    check = nhs_number_check_digit(prefix)
    if check is not None:
        number = prefix + str(check)
        assert parse_nhs_number(format_nhs_number(number)) == number
