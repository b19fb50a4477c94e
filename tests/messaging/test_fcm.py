"""Push through the FCM HTTP v1 adapter against a real local HTTP server playing FCM and its token
service: the v1 request (path, bearer token, message), 5xx and timeouts retried, 4xx failed with FCM's
error code and message, an expired token fetched again once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Dispatch, Sending
from tests.messaging.conftest import Api


class FakeFcm:
    """``POST /v1/projects/<p>/messages:send`` answering per device token as told; ``GET /token`` hands out
    access tokens (``tok-<n>``); only the latest token is accepted."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: dict[str, tuple[int, dict[str, Any]] | float] = {}
        self.tokens_issued = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                encoded = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def do_GET(self) -> None:
                with fake.lock:
                    fake.tokens_issued += 1
                    token = f"tok-{fake.tokens_issued}"
                assert self.headers.get("Metadata-Flavor") == "Google"
                self._answer(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with fake.lock:
                    fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                    count, latest = len(fake.requests), f"Bearer tok-{fake.tokens_issued}"
                if self.headers.get("Authorization") != latest:
                    self._answer(
                        401,
                        {
                            "error": {
                                "code": 401,
                                "message": "Request had invalid credentials.",
                                "status": "UNAUTHENTICATED",
                            }
                        },
                    )
                    return
                answer = fake.answers.get(body["message"]["token"], (200, {"name": f"projects/p1/messages/{count}"}))
                if isinstance(answer, float):
                    time.sleep(answer)
                    answer = (200, {"name": f"projects/p1/messages/{count}"})
                self._answer(*answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


@pytest.fixture
def fcm() -> Iterator[FakeFcm]:
    fake = FakeFcm()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def unregistered(message: str = "Requested entity was not found.") -> tuple[int, dict[str, Any]]:
    detail = {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}
    return 404, {"error": {"code": 404, "message": message, "status": "NOT_FOUND", "details": [detail]}}


PUSH = {
    "message": {
        "channels": [
            {
                "type": "push",
                "template": {
                    "type": "inline",
                    "definition": {
                        "type": "push",
                        "content": {
                            "subject": "Hi {{ name }}",
                            "body": "New offer",
                            "url": "app://offers/1",
                            "image_url": "https://img.example/1.png",
                            "data": {"offer_id": 1},
                        },
                    },
                },
            }
        ]
    }
}


def _send(api: Api, tokens: list[str]) -> int:
    message_id = api.post("/generic", PUSH).json()["message"]["id"]
    recipients = [{"app_token": t, "properties": {"name": t}} for t in tokens]
    response = api.post(
        f"/generic/{message_id}/sendings", {"sending": {"schedule": {"type": "immediate"}, "recipients": recipients}}
    )
    assert response.status_code == 201, response.text
    return response.json()["sending"]["id"]  # type: ignore[no-any-return]


def _rows(api: Api, sending_id: int) -> dict[str, Dispatch]:
    api.session.expire_all()
    return {
        d.address or "": d
        for d in api.session.execute(select(Dispatch).where(Dispatch.sending_id == sending_id)).scalars()
    }


def test_push_through_fcm_with_retries_and_failures(api: Api, fcm: FakeFcm, units):  # type: ignore[no-untyped-def]
    transport = {
        "kind": "fcm",
        "project_id": "p1",
        "base_url": fcm.url,
        "token_url": fcm.url + "/token",
        "timeout_seconds": 2.0,  # generous: a loaded CI machine answers slowly too
    }
    assert api.put("/settings", {"settings": {"push_transport": transport}}).status_code == 200
    fcm.answers = {
        "d2": (
            503,
            {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}},
        ),
        "d3": unregistered(),
        "d4": 4.0,  # past the client's timeout
        "d5": (400, {"error": {"code": 400, "message": "Invalid registration token", "status": "INVALID_ARGUMENT"}}),
    }
    sending_id = _send(api, ["d1", "d2", "d3", "d4", "d5"])
    run_messaging(units, "w")
    rows = _rows(api, sending_id)
    assert rows["d1"].transmission_status == "transmitted" and rows["d1"].provider_message_id.startswith(
        "projects/p1/messages/"
    )  # type: ignore[union-attr]
    assert rows["d2"].transmission_status == "retrying" and "HTTP 503 UNAVAILABLE" in (rows["d2"].error or "")
    assert rows["d3"].transmission_status == "failed"
    assert rows["d3"].error == "HTTP 404 UNREGISTERED: Requested entity was not found."
    assert rows["d4"].transmission_status == "retrying" and "timeout" in (rows["d4"].error or "")
    assert rows["d5"].transmission_status == "failed" and rows["d5"].error.startswith("HTTP 400 INVALID_ARGUMENT")  # type: ignore[union-attr]
    first = next(r for r in fcm.requests if r["body"]["message"]["token"] == "d1")
    assert first["path"] == "/v1/projects/p1/messages:send" and first["auth"] == "Bearer tok-1"
    key = f"dispatch-{rows['d1'].id}.club-{rows['d1'].loyalty_club_id}@loyaltyhub"
    assert first["body"] == {
        "message": {
            "token": "d1",
            "notification": {"title": "Hi d1", "body": "New offer", "image": "https://img.example/1.png"},
            "data": {"offer_id": "1", "url": "app://offers/1", "dispatch_key": key},
            "android": {"notification": {"tag": key}},
            "apns": {"headers": {"apns-collapse-id": key}},
        }
    }
    # The token expires (a new one is issued elsewhere): a 401 fetches a new one once; the retries go through.
    fcm.answers = {}
    fcm.tokens_issued += 1
    for token in ("d2", "d4"):
        rows[token].next_attempt_at = rows[token].created_at
    api.session.flush()
    run_messaging(units, "w")
    rows = _rows(api, sending_id)
    assert {t: d.transmission_status for t, d in rows.items()} == {
        "d1": "transmitted",
        "d2": "transmitted",
        "d3": "failed",
        "d4": "transmitted",
        "d5": "failed",
    }
    assert fcm.tokens_issued == 3  # the cached tok-1 was refused once, tok-3 fetched
    assert [r["auth"] for r in fcm.requests[-3:]] == ["Bearer tok-1", "Bearer tok-3", "Bearer tok-3"]


def test_fcm_settings_hide_the_token_and_are_checked(api: Api):
    transport = {"kind": "fcm", "project_id": "p1", "access_token": "ya29.secret"}
    assert api.put("/settings", {"settings": {"push_transport": transport}}).status_code == 200
    shown = api.get("/settings").json()["settings"]["push_transport"]
    assert shown["project_id"] == "p1" and "access_token" not in shown
    bad = api.put("/settings", {"settings": {"push_transport": {"kind": "fcm", "project_id": "Not Valid"}}})
    assert bad.status_code == 422


def test_a_push_resent_after_a_crash_replaces_the_first_on_the_device(api: Api, fcm: FakeFcm, units):  # type: ignore[no-untyped-def]
    """FCM has no idempotency key: the resend of a dispatch in doubt (its worker died between the send and
    the record) carries the same collapse key, notification tag and data key as the first send."""
    transport = {"kind": "fcm", "project_id": "p1", "base_url": fcm.url, "access_token": "tok-0"}
    assert api.put("/settings", {"settings": {"push_transport": transport}}).status_code == 200
    sending_id = _send(api, ["d1", "d2"])
    run_messaging(units, "w")
    rows = _rows(api, sending_id)
    assert {d.transmission_status for d in rows.values()} == {"transmitted"}
    # What a worker killed after sending leaves behind: the dispatch claimed by a dead worker, lease expired.
    crashed = rows["d1"]
    crashed.transmission_status, crashed.claimed_by = "transmitting", "dead:worker"
    crashed.lease_until = crashed.created_at
    api.session.get(Sending, sending_id).status = "transmitting"  # type: ignore[union-attr]
    api.session.flush()
    run_messaging(units, "w")
    assert _rows(api, sending_id)["d1"].transmission_status == "transmitted"
    sent = [r["body"]["message"] for r in fcm.requests if r["body"]["message"]["token"] == "d1"]
    assert len(sent) == 2
    keys = {
        (m["android"]["notification"]["tag"], m["apns"]["headers"]["apns-collapse-id"], m["data"]["dispatch_key"])
        for m in sent
    }
    key = f"dispatch-{crashed.id}.club-{crashed.loyalty_club_id}@loyaltyhub"
    assert keys == {(key, key, key)}
    other = next(r["body"]["message"] for r in fcm.requests if r["body"]["message"]["token"] == "d2")
    assert other["android"]["notification"]["tag"] != key


def test_a_collapse_key_fits_apns():
    from loyaltyhub.messaging.delivery.http_transports import collapse_key

    assert collapse_key("dispatch-1.club-2@loyaltyhub") == "dispatch-1.club-2@loyaltyhub"
    long_key = f"dispatch-{10**30}.club-{10**30}@loyaltyhub"
    assert len(collapse_key(long_key)) == 64 and collapse_key(long_key) == collapse_key(long_key)
    assert collapse_key(long_key) != collapse_key(long_key.replace("1", "2", 1))
