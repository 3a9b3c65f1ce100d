"""ISO 3166-1 alpha-2 country codes, from django-countries' kept list (not our own table).

Addresses store the two-letter code; people read the name.
"""

from django_countries import countries


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code (upper case, as addresses store it)."""
    return bool(code) and code in countries


def country_name(code: str) -> str:
    """The country's English name ("Germany" for DE); the code itself when it is unknown."""
    return countries.name(code) or code
