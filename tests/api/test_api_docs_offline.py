"""The Swagger page at /docs works offline: every asset it references is served by the app itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")


def test_docs_reference_no_remote_asset_and_every_asset_is_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert not re.search(r"https?://", page.text), page.text
    urls = {a or b for a, b in ASSET.findall(page.text)}
    assert {"/openapi.json", "/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"} <= urls, urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_bundle_is_swagger_ui_5_which_renders_openapi_3_1(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    bundle = client.get("/docs/static/swagger-ui-bundle.js").text
    assert re.search(r'"5\.\d+\.\d+"', bundle)


def test_docs_are_not_in_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(p.startswith("/docs") for p in paths)
