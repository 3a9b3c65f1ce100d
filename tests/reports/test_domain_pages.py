"""Each domain report opens at /reports/<slug>/ for a role that may see it, with the figures of
its hand-computed fixture, downloads as CSV, and is refused to a role that may not."""

import pytest
from django.urls import reverse

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, WAREHOUSE
from tests.reports.test_domain_customers import orders  # noqa: F401  (fixtures)
from tests.reports.test_domain_fulfilment import shipments  # noqa: F401
from tests.reports.test_domain_inventory import stock_ledger  # noqa: F401
from tests.reports.test_domain_notifications import messages  # noqa: F401
from tests.reports.test_domain_payments import money  # noqa: F401

pytestmark = pytest.mark.django_db

PERIOD = {"period": "custom", "start": "2026-11-10", "end": "2026-11-19", "compare": "on"}
# slug, its fixture, a role that sees it, one that does not (None: every role sees it)
REPORTS = [
    ("inventory-levels", "stock_ledger", WAREHOUSE, None),
    ("low-stock", "stock_ledger", MANAGER, None),
    ("stock-outs", "stock_ledger", WAREHOUSE, None),
    ("inventory-turnover", "stock_ledger", MANAGER, None),
    ("fulfilment", "shipments", FINANCE, None),
    ("customers-new-returning", "orders", CUSTOMER_SERVICE, WAREHOUSE),
    ("top-customers", "orders", MANAGER, WAREHOUSE),
    ("payments", "money", FINANCE, WAREHOUSE),
    ("notifications", "messages", CUSTOMER_SERVICE, WAREHOUSE),
]


@pytest.mark.parametrize(("slug", "fixture", "role", "refused"), REPORTS)
def test_the_report_renders_for_its_role(request, login_as, slug, fixture, role, refused):
    request.getfixturevalue(fixture)
    client = login_as(role)

    response = client.get(reverse("reports:detail", args=[slug]), PERIOD)
    csv = client.get(reverse("reports:csv", args=[slug]), PERIOD)

    assert response.status_code == 200
    assert response.context["result"].rows
    assert csv.status_code == 200
    if refused:
        assert login_as(refused).get(reverse("reports:detail", args=[slug])).status_code == 403
