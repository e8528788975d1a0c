"""Phone numbers: residents' numbers validated and masked, the city's numbers written as
residents read them and dialled as Twilio dials them (all with `phonenumbers`)."""

from __future__ import annotations

import re

import phonenumbers


class InvalidPhone(ValueError):
    """Not a phone number that can receive a text message."""


def normalise_phone(text: str, region: str = "FI") -> str:
    """`text` as an E.164 number ("040 123 4567" -> "+358401234567"), or InvalidPhone.

    Numbers without a country code are read as Finnish. Fixed-line numbers are refused:
    a confirmation is sent as a text message.
    """
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhone("not a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_MASK = "*** **"
# What `masked` writes, to find it again in a written reply (the phone says the last digits).
_MASKED = re.compile(r"\+\d{1,3} \d{1,3} " + re.escape(_MASK) + r"(\d{2})")


def masked(phone_e164: str) -> str:
    """ "+358401234567" -> "+358 40 *** **67": enough for a resident to recognise it."""
    return f"{phone_e164[:4]} {phone_e164[4:6]} {_MASK}{phone_e164[-2:]}"


def masked_endings(text: str) -> list[tuple[int, int, str]]:
    """Where `text` holds numbers written by `masked`: (start, end, last two digits) each."""
    return [(m.start(), m.end(), m[1]) for m in _MASKED.finditer(text)]


def format_phone(number: str) -> str:
    """A phone number as a Finnish resident writes it: "09 310 11111", "040 123 4567"."""
    try:
        parsed = phonenumbers.parse(number, "FI")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code != 358:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    # The library leaves the subscriber part in one block ("09 31011111"); the city
    # writes it in two or three groups.
    prefix, _, rest = national.partition(" ")
    if rest.isdigit() and len(rest) >= 6:
        rest = f"{rest[:3]} {rest[3:]}"
    return f"{prefix} {rest}" if rest else national


def dialable(number: str) -> str:
    """A city number in E.164 for `<Dial>` ("09 310 11111" -> "+358931011111"); any
    number, fixed lines included, and left as it is when it cannot be read."""
    try:
        parsed = phonenumbers.parse(number, "FI")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
