"""OpenAPI is served and every operation declares the errors it can answer (SPEC §4)."""

from __future__ import annotations


def test_openapi_lists_every_route_with_its_error_responses(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path == "/healthz":
                continue  # liveness: an answer at all is the check
            error_codes = [code for code in operation.get("responses", {}) if code.startswith(("4", "5"))]
            if not error_codes:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"declare responses=errors(...) on: {missing}"
    assert "/v1/me" in spec["paths"]


def test_interactive_docs_are_served(client):
    assert client.get("/docs").status_code == 200
