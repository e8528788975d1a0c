"""Phone numbers residents give for booking confirmations, validated with `phonenumbers`."""

from __future__ import annotations

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


def masked(phone_e164: str) -> str:
    """ "+358401234567" -> "+358 40 *** **67": enough for a resident to recognise it."""
    return f"{phone_e164[:4]} {phone_e164[4:6]} *** **{phone_e164[-2:]}"
