"""Dates, times and addresses read the same on every dashboard page.

Templates show a date or a moment through the ``when`` filter and an address through
core/address.html; a template that formats one its own way again fails here.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path

from django.template.loader import render_to_string
from django.test import override_settings

from core.templatetags.oms import when

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# |date with a format of its own; 'c' (ISO 8601 for <time datetime>) and a date in a query
# string (?placed_after=) are for machines, not people, and may stay.
OWN_DATE_FORMAT = re.compile(r"""(?<!=)\{\{[^}]*\|date:(["'])(?!c\1)[^"']*\1""")
OWN_ADDRESS_LAYOUT = re.compile(r"address\.postal_code")


@override_settings(TIME_ZONE="America/New_York")
def test_a_moment_is_shown_in_local_time_to_the_minute():
    moment = datetime(2026, 3, 14, 13, 30, 59, tzinfo=UTC)
    assert when(moment) == "2026-03-14 09:30"
    assert when(moment, "date") == "2026-03-14"
    assert when(date(2026, 3, 14)) == "2026-03-14"
    assert when(None) == ""


def test_no_dashboard_template_formats_dates_or_addresses_its_own_way():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        # the customer e-mails (templates/emails/) write dates for their reader, in words
        if "emails" in path.parts or path == TEMPLATES / "core" / "address.html":
            continue
        text = path.read_text()
        if OWN_DATE_FORMAT.search(text) or OWN_ADDRESS_LAYOUT.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_an_address_reads_city_region_postcode_then_country():
    address = {
        "name": "Ada Lovelace",
        "line1": "1 Main Street",
        "line2": "Apt 4",
        "city": "New York",
        "region": "NY",
        "postal_code": "10001",
        "country": "US",
        "phone": "+1 212 555 0100",
    }
    html = render_to_string("core/address.html", {"address": address})
    lines = [line.strip() for line in re.sub(r"<[^>]+>", "\n", html).splitlines() if line.strip()]
    assert lines == [
        "Ada Lovelace",
        "1 Main Street",
        "Apt 4",
        "New York, NY 10001",
        "US",
        "+1 212 555 0100",
    ]
    assert "555" not in render_to_string(
        "core/address.html", {"address": address, "hide_phone": True}
    )
