"""A sync endpoint returning a Response commits in its own worker thread (row locks held shorter);
one returning data is committed by the session dependency after serialization. Either way the
transaction commits after the handler and before the response is sent."""

from __future__ import annotations

import sys
import threading

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep


def _committer() -> str:
    """``commit by dependency`` when the session dependency's exit is committing, else ``commit``."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "finish" and frame.f_globals.get("__name__") == "loyaltyhub.db.session":
            return "commit by dependency"
        frame = frame.f_back
    return "commit"


def _app(events: list[tuple[str, int]]) -> FastAPI:
    engine = create_engine("sqlite://")
    router = LoyaltyRouter()

    @router.post("/response")
    def returns_response(session: SessionDep) -> JSONResponse:
        session.connection()  # begin a transaction
        events.append(("handler", threading.get_ident()))
        return JSONResponse({"ok": True})

    @router.post("/data")
    def returns_data(session: SessionDep) -> dict[str, bool]:
        session.connection()
        events.append(("handler", threading.get_ident()))
        return {"ok": True}

    def session_factory(_write: bool) -> Session:
        session = Session(engine)
        event.listen(session, "after_commit", lambda _s: events.append((_committer(), threading.get_ident())))
        return session

    app = FastAPI()
    app.state.session_factory = session_factory
    app.include_router(router)
    return app


def test_a_returned_response_is_committed_in_the_handlers_thread():
    events: list[tuple[str, int]] = []
    with TestClient(_app(events)) as client:
        assert client.post("/response").json() == {"ok": True}
    assert [name for name, _ in events] == ["handler", "commit"]
    assert events[0][1] == events[1][1]  # the same worker thread, not the session dependency's exit


def test_returned_data_is_committed_after_the_handler_too():
    events: list[tuple[str, int]] = []
    with TestClient(_app(events)) as client:
        assert client.post("/data").json() == {"ok": True}
    assert [name for name, _ in events] == ["handler", "commit by dependency"]
