"""A bounded property-based run over the schema (schemathesis): whatever it sends, the API
answers without a server error, and its 200/201 bodies match the schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import issue_token

from .conftest import make_integration


@pytest.fixture
def api_schema(db):
    # As Django's test client does: a request's end must not close the test's connection
    # (and its transaction, which each test rolls back).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def plain_token(db, channel):
    return issue_token(integration=make_integration(channel)).plain


# schemathesis.pytest.from_fixture does not work with pytest 9 (it sets a private node id),
# so each operation's strategy is driven by Hypothesis here.
def test_the_api_survives_generated_requests(api_schema, plain_token, settings):
    settings.OMS_API_RATE = "100000/min"
    headers = {"Authorization": f"Bearer {plain_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def survives(case):
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        survives()
