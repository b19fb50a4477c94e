"""The CI gate of issue #14: schemathesis over the whole OpenAPI document against a running server (uvicorn
in a subprocess, on a fresh SQLite file or PostgreSQL database of the suite's backend, with the demo data),
with valid credentials and the required headers, a fixed seed and a bounded number of cases per operation:
no 5xx, no status the operation does not document, and every answer closes nothing without a response.

Bounded to stay within the CI budget: :data:`CASES_PER_OPERATION` derandomized cases per operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.wiring import unit_of_work
from tests.foundation.test_fuzz import EXCLUDED
from tests.member_offers import live

pytestmark = pytest.mark.slow

CASES_PER_OPERATION = 8


@pytest.fixture(scope="module")
def database(is_postgres, tmp_path_factory) -> Iterator[str]:
    if not is_postgres:
        yield live.fresh_sqlite(tmp_path_factory.mktemp("gate"))
        return
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"gate_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


@pytest.fixture(scope="module")
def served(database) -> Iterator[tuple[str, dict[str, Any]]]:
    migrate.upgrade(database)
    engine = make_engine(database, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        credentials = load_demo(session, DemoOptions(members=12, days=3, seed=7))
        session.commit()
    engine.dispose()
    with live.serve(database, tenancy_audit=True) as base:
        yield base, credentials


def _sendable(part: tuple) -> tuple:
    """A form part ``(filename, value[, content type])`` whose value httpx can send (text or bytes)."""
    filename, value, *rest = part
    return (filename, value if isinstance(value, str | bytes) else str(value), *rest)


def test_schemathesis_finds_no_5xx_and_no_undocumented_status(served):
    base, credentials = served
    document = httpx.get(f"{base}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if not EXCLUDED.search(op.path)]
    assert len(operations) > 40
    slug = credentials["loyalty_club"]
    headers = {
        "X-Client-Authorization": credentials["client_token"],
        "X-Product-Name": "android-app",
        "X-User-Agent": "loyaltyhub gate",
        "X-Customer": str(credentials["loyalty_club_id"]),
    }
    failures: list[str] = []
    mismatches: list[str] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for operation in operations:

            @settings(
                max_examples=CASES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: Any) -> None:
                if "loyalty_club_slug" in case.path_parameters:
                    case.path_parameters = {**case.path_parameters, "loyalty_club_slug": slug}
                kwargs = case.as_transport_kwargs(base_url=base)
                kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
                data = kwargs.pop("data", None)
                if data is not None:
                    kwargs["content"] = data
                if kwargs.get("files"):  # a form: httpx sends text and bytes only, schemathesis also numbers
                    kwargs["files"] = [(name, _sendable(part)) for name, part in kwargs["files"]]
                kwargs.pop("cookies", None)
                try:
                    response = client.request(kwargs.pop("method"), kwargs.pop("url"), **kwargs)
                except (httpx.LocalProtocolError, UnicodeEncodeError):
                    return  # a request no HTTP client can send (a header ending in a space, a lone surrogate)
                except httpx.HTTPError as exc:  # the server closed the connection without an answer
                    failures.append(f"no answer ({exc!r}): {case.method} {case.formatted_path}")
                    return
                if response.request.stream is not None and not hasattr(response.request, "_content"):
                    response.request.read()  # a form was streamed; the validation reads the request again
                try:
                    case.validate_response(response, checks=[response_schema_conformance])
                except Exception as failure:  # schemathesis' failure group: the body breaks its schema
                    mismatches.append(
                        f"{response.status_code} {case.method} {case.operation.path}: {str(failure)[:600]}"
                    )
                documented = set(case.operation.definition.raw.get("responses", {}))
                if response.status_code >= 500 or (
                    str(response.status_code) not in documented and "default" not in documented
                ):
                    failures.append(
                        f"{response.status_code}: {case.method} {case.formatted_path} query={case.query} "
                        f"body={case.body!r}"[:1000]
                    )

            run()
    assert not failures, "\n".join(failures[:20])
    assert not mismatches, f"{len(mismatches)} bodies outside their documented schema:\n" + "\n".join(mismatches[:30])
