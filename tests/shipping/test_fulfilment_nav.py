"""The fulfilment pages' navigation: each role sees the pages it may open, the current one
marked; the sidebar's Fulfilment entry opens a page every fulfilment role has."""

import re

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, WAREHOUSE
from shipping.models import PickList
from shipping.templatetags.fulfilment import fulfilment_links
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = {
    "shipping:pick_queue": "Pick queue",
    "shipping:pack_station": "Pack station",
    "shipping:shipment_list": "Shipments",
    "shipping:at_risk_list": "At risk",
    "shipping:manifest_list": "Manifests",
}
EVERY_PAGE = list(PAGES)
SEES = {
    MANAGER: EVERY_PAGE,
    WAREHOUSE: EVERY_PAGE,
    CUSTOMER_SERVICE: [
        "shipping:pick_queue",
        "shipping:shipment_list",
        "shipping:at_risk_list",
        "shipping:manifest_list",
    ],
    FINANCE: [],  # the shipments list alone: no navigation, the sidebar leads there
}
NAV = re.compile(r'<nav class="tabs" aria-label="Fulfilment">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"(?: class="active" aria-current="(\w+)")?>([^<]+)</a>')


def fulfilment_nav(html: str) -> list[tuple[str, str, str]]:
    """(href, aria-current, label) of each link of the page's fulfilment navigation."""
    found = NAV.search(html)
    return LINK.findall(found.group(1)) if found else []


@pytest.mark.parametrize("role", [MANAGER, WAREHOUSE, CUSTOMER_SERVICE, FINANCE])
def test_each_role_sees_the_fulfilment_pages_it_may_open(login_as, role):
    client = login_as(role)

    response = client.get(reverse("shipping:shipment_list"))

    assert response.status_code == 200
    links = fulfilment_nav(response.text)
    assert [label for _, _, label in links] == [PAGES[name] for name in SEES[role]]
    assert [href for href, _, _ in links] == [reverse(name) for name in SEES[role]]
    for href, _, _ in links:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("url_name", EVERY_PAGE)
def test_every_fulfilment_page_shows_the_navigation_with_itself_current(
    login_as, warehouse, url_name
):
    response = login_as(WAREHOUSE).get(reverse(url_name))

    assert response.status_code == 200
    links = fulfilment_nav(response.text)
    assert [label for _, _, label in links] == list(PAGES.values())
    assert [(label, current) for _, current, label in links if current] == [
        (PAGES[url_name], "page")
    ]


def test_a_page_under_a_fulfilment_page_marks_its_section(warehouse):
    request = RequestFactory().get("/")
    request.user = factories.UserFactory(role=WAREHOUSE)
    url = reverse("shipping:pick_list", args=[PickList.objects.create(location=warehouse).pk])
    request.resolver_match = resolve(url)

    links = fulfilment_links({"request": request})

    assert [(link["label"], link["aria_current"]) for link in links if link["aria_current"]] == [
        ("Pick queue", "true")
    ]


@pytest.mark.parametrize("role", [MANAGER, WAREHOUSE, CUSTOMER_SERVICE, FINANCE])
def test_the_sidebar_fulfilment_entry_opens_for_every_fulfilment_role(login_as, role):
    client = login_as(role)

    sections = client.get(reverse("backoffice:home")).context["nav_sections"]

    fulfilment = [section for section in sections if section["label"] == "Fulfilment"]
    assert [section["url_name"] for section in fulfilment] == ["shipping:shipment_list"]
    assert client.get(reverse("shipping:shipment_list")).status_code == 200
