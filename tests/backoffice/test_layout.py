"""The layout around every page: the sidebar, and the 403 and 404 pages in it."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_an_unknown_url_is_the_404_page_with_the_way_back(login_as):
    response = login_as("Warehouse").get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html
    assert f'href="{reverse("backoffice:home")}">Back to the dashboard' in html
    assert 'class="sidebar"' in html


def test_a_page_the_role_may_not_open_is_the_403_page(client):
    client.force_login(factories.UserFactory())

    response = client.get(reverse("customers:list"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Your role does not allow this" in html
    assert f'href="{reverse("backoffice:home")}">Back to the dashboard' in html


def test_anonymous_visitors_get_the_bare_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html
    assert 'class="sidebar"' not in html


def test_the_sidebar_marks_the_section_of_the_page(login_as):
    client = login_as("Manager")

    home = client.get(reverse("backoffice:home")).context["nav_sections"]
    orders = client.get(reverse("orders:list")).context["nav_sections"]

    assert [s["label"] for s in home if s["active"]] == ["Dashboard"]
    assert [s["label"] for s in orders if s["active"]] == ["Orders"]
