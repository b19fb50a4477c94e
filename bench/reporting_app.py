"""The server ``bench.reporting`` starts: the product's app plus one benchmark-only route.

``POST /bench/hand-written/{case}`` answers a benchmark case with its hand-written SQL behind the same
stack as ``POST /v1/reporting/query``: the client token, the ``X-Customer`` context with the Reporting
permit, a database session and a JSON answer. Timing both through HTTP isolates what the report engine
costs (checking the body, compiling the statement from the declaration, shaping the records, the
cursor) from what every HTTP request costs. The route is never part of the product's app.
"""

from __future__ import annotations

from typing import Any

from bench.reporting import cases
from loyaltyhub.app import create_app
from loyaltyhub.errors import NotFound
from loyaltyhub.http.responses import DataResponse
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.reporting.routes import ReportingAccess

router = LoyaltyRouter(tags=["Benchmark"])


@router.post("/bench/hand-written/{case_index}")
def hand_written(case_index: int, access: ReportingAccess, session: SessionDep) -> DataResponse:
    club = access.club_ids[0]
    known = cases(club)
    if not 0 <= case_index < len(known):
        raise NotFound(f"Case#{case_index} not found")
    case: dict[str, Any] = known[case_index]
    connection = session.connection().connection.driver_connection
    # prepare=False: the hand-written SQL is planned for its parameters each time, as one would run it.
    # Prepared (psycopg does so from a statement's fifth run on a connection), PostgreSQL's generic plan of
    # the usages-by-gender query took ~20 s instead of ~1 s: a baseline no one would write.
    rows = connection.execute(case["sql"], {"club": club, **case.get("params", {})}, prepare=False).fetchall()
    return DataResponse({"rows": [list(row) for row in rows]})


app = create_app()
app.include_router(router)
