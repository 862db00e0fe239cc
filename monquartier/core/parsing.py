"""Numbers from the outside world (URLs, query strings, providers' bodies).

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads; `int()` reads
5,000 digits into a number no database column holds. These helpers accept a plain ASCII
number in range and answer None to anything else, so that a caller shows a 404 or
ignores the value, never a 500.
"""

import re

# The largest value of a 64-bit signed column (BigAutoField, PostgreSQL's bigint,
# SQLite's INTEGER).
MAX_ID = 2**63 - 1

_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")


def parse_positive_int(value: object, *, maximum: int = MAX_ID) -> int | None:
    """The number written in value if it is 1 to maximum in ASCII digits (surrounding
    whitespace allowed), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _ASCII_NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A database id: a positive number that a 64-bit column can hold."""
    return parse_positive_int(value, maximum=MAX_ID)


class IdConverter:
    """`<id:name>` in URLs: like `<int:name>`, but an id beyond 64 bits does not match
    (a 404), rather than reaching the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError("not an id")  # the resolver reads it as "no match"
        return number

    def to_url(self, value: object) -> str:
        return str(value)
