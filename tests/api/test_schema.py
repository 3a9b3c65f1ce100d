"""The OpenAPI description: valid, public, and its docs pages served from our own static."""

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.1")
    validate(schema)
    assert {"/api/v1/orders/", "/api/v1/orders/{number}/cancel/"} <= set(schema["paths"])


def test_the_schema_states_the_bearer_scheme(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)

    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# "path", not "page": a test argument named "page" is pytest-playwright's browser page, which
# made these browser tests and pulled every browser test (and its database flush) forward.
@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_load_their_scripts_from_static(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_run_no_inline_script(client, path):
    html = client.get(path).content.decode()

    assert "<script>" not in html  # every script has a src: the policy's script-src 'self'


def test_the_swagger_set_up_is_its_own_script(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert 'src="/api/v1/docs/?script="' in html

    script = client.get("/api/v1/docs/?script=")

    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
