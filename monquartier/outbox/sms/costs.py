"""What an SMS costs us: the operator of the number (by its Ivorian prefix) and the price
table of the provider that sent it (SMS_PRICES, francs CFA per segment)."""

from decimal import Decimal, InvalidOperation

from django.conf import settings

from monquartier.outbox.sms.base import normalise_phone
from monquartier.outbox.sms.gsm7 import segments, to_gsm7

ORANGE = "orange"
MTN = "mtn"
MOOV = "moov"
OTHER = "other"

# Since 2021 Ivorian numbers have ten digits after +225; the first two name the operator
# of a mobile line (a fixed line starts with 2).
MOBILE_PREFIXES = {"07": ORANGE, "05": MTN, "01": MOOV}


def operator_of(number: str) -> str:
    """The mobile operator of an Ivorian number, OTHER for anything else (a fixed line, a
    foreign number). ValueError if it is not a phone number at all."""
    e164 = normalise_phone(number)
    if e164.startswith("+225") and len(e164) == 14:
        return MOBILE_PREFIXES.get(e164[4:6], OTHER)
    return OTHER


def price_per_segment(provider: str, operator: str) -> Decimal | None:
    """None when the table has no price for this provider (a development backend)."""
    prices = settings.SMS_PRICES.get(provider)
    if not prices:
        return None
    price = prices.get(operator, prices.get(OTHER))
    if price is None:
        return None
    try:
        return Decimal(str(price))
    except InvalidOperation:
        return None


def sms_cost(provider: str, number: str, text: str, *, gsm7: bool = True) -> Decimal | None:
    """The cost of one SMS as the backends send it (transliterated to GSM-7 unless told
    otherwise): the price of a segment times the segments."""
    try:
        operator = operator_of(number)
    except ValueError:
        return None
    price = price_per_segment(provider, operator)
    if price is None:
        return None
    return price * segments(to_gsm7(text) if gsm7 else text)
