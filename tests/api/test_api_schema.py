"""The OpenAPI schema and its docs pages, with Swagger UI and ReDoc served from this site."""
import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_endpoint(client):
    r = client.get("/api/v1/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/auth/token/", "/api/v1/themes/", "/api/v1/themes/{slug}/", "/api/v1/photos/",
        "/api/v1/photos/{id}/", "/api/v1/jobs/", "/api/v1/jobs/{id}/", "/api/v1/jobs/{id}/cancel/",
        "/api/v1/jobs/{id}/snapshots/", "/api/v1/jobs/{id}/rerun/", "/api/v1/jobs/{id}/colors/",
        "/api/v1/jobs/{id}/share/", "/api/v1/themes/{slug}/train/",
        "/api/v1/training-runs/", "/api/v1/training-runs/{id}/",
        "/api/v1/training-runs/{id}/cancel/",
    }


def test_the_schema_describes_uploads_as_binary_and_media_as_urls(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    upload = schema["paths"]["/api/v1/photos/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    components = schema["components"]["schemas"]
    assert components["PhotoRequest"]["properties"]["image"] == {
        "type": "string", "format": "binary", "description": components["PhotoRequest"]["properties"]["image"]["description"]}
    assert components["Photo"]["properties"]["image"]["format"] == "uri"
    assert components["JobDetail"]["properties"]["result"]["nullable"] is True


def test_the_schema_derives_job_parameters_from_the_engine(client):
    from engine.params import StyleParams

    schema = client.get("/api/v1/schema/?format=json").json()
    props = schema["components"]["schemas"]["JobCreateRequest"]["properties"]
    assert props["iterations"]["type"] == "integer"
    assert props["iterations"]["description"].endswith(f"Default: {StyleParams().iterations}.")
    assert "Must be an integer from 1 to 1000." in props["iterations"]["description"]  # the site's cap
    assert props["preserve_colors"]["type"] == "boolean"
    assert props["seed"]["nullable"] is True
    assert schema["components"]["schemas"]["JobCreateRequest"]["required"] == ["photo", "themes"]


def test_the_token_endpoint_needs_no_authentication_to_log_in(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security", []) in ([], [{}])
    assert schema["paths"]["/api/v1/auth/token/"]["delete"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


@pytest.mark.parametrize("page, asset", [
    ("/api/v1/docs/", "swagger-ui-bundle.js"),
    ("/api/v1/redoc/", "redoc.standalone.js"),
])
def test_the_docs_load_their_assets_from_this_site(client, page, asset):
    r = client.get(page)
    assert r.status_code == 200
    html = r.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html
    urls = re.findall(r"""["'](/static/drf_spectacular_sidecar/[^"']+)["']""", html)
    assert any(u.endswith(asset) for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "/api/v1/schema/" in html
