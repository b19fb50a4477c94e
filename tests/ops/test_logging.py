"""Structured logs: JSON lines in production with the request id, club id and principal kind; readable lines
in development; never a token, password, one-time password or personal data."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.app import create_app
from loyaltyhub.db.engine import make_engine
from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.ops.logging import configure_logging, redact
from tests.ops.servers import PUBLIC_HEADERS, environment, run, serve

MEMBER = {
    "first_name": "Ingeborg",
    "last_name": "Kvamsdal",
    "msisdn": "+47 407 69 126",
    "email": "Ingeborg.K@Example.com",
    "birthday": "1987-03-14",
    "city": "Tromsø",
}
PASSWORD = "violet-harbour-lantern"


def _otp_code(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            body = session.execute(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).scalars().first()
    finally:
        engine.dispose()
    assert body is not None
    return re.search(r"\b(\d{6})\b", body).group(1)


@pytest.mark.slow
def test_a_member_sign_up_otp_and_login_logs_json_lines_without_secrets(scratch_url, tmp_path):
    env = environment(scratch_url)
    run(["migrate"], env, tmp_path)
    club = json.loads(run(["clubs", "create", "--slug", "log-mall", "--name", "Log Mall", "--timezone",
                           "Europe/Oslo", "--country", "NO", "--json"], env, tmp_path).stdout)  # fmt: skip
    client_token = json.loads(
        run(["tokens", "create", "--club", "log-mall", "--all-permits", "--json"], env, tmp_path).stdout
    )["token"]
    log = tmp_path / "server.log"
    with serve(env, tmp_path, log) as base, httpx.Client(base_url=f"{base}/v3/log-mall", timeout=60) as http:
        headers = {"X-Client-Authorization": client_token, **PUBLIC_HEADERS}
        signup = http.post(
            "/members",
            headers={**headers, "X-Request-Id": "signup-1"},
            json={"properties": MEMBER, "password": PASSWORD, "consents": {"sms_marketing": {"status": True}}},
        )
        assert signup.status_code == 201, signup.text
        assert signup.headers["X-Request-Id"] == "signup-1"
        assert http.post("/members/otp/sms", headers=headers, json={"msisdn": "+4740769126"}).status_code == 200
        code = _otp_code(scratch_url)
        grant = {"grant_type": "password", "identifier_type": "msisdn", "identifier": "4740769126"}
        otp_login = http.post("/members/oauth/token", headers=headers, json={**grant, "password": code})
        assert otp_login.status_code == 200, otp_login.text
        login = http.post("/members/oauth/token", headers=headers, json={**grant, "password": PASSWORD})
        assert login.status_code == 200
        tokens = [otp_login.json()["access_token"], otp_login.json()["refresh_token"], login.json()["access_token"]]
        me = http.get("/members/me", headers={**headers, "Authorization": f"Bearer {tokens[0]}"})
        assert me.status_code == 200
        assert re.fullmatch(r"[0-9a-f]{32}", me.headers["X-Request-Id"])  # generated when none is sent
        wrong = http.post("/members/oauth/token", headers=headers, json={**grant, "password": "not-the-password"})
        assert wrong.status_code == 461

    text = log.read_text()
    secrets = [client_token, PASSWORD, "not-the-password", code, *tokens, *MEMBER.values()]
    secrets += ["4740769126", "40769126", "ingeborg.k@example.com", "Ingeborg.K@Example.com"]
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"in the log: {leaked}"

    records = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is a JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "uvicorn.error" and "Uvicorn running" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "loyaltyhub.access"]
    signup_line = next(r for r in access if r["request_id"] == "signup-1")
    assert {key: signup_line[key] for key in ("method", "route", "status", "club_id", "principal")} == {
        "method": "POST",
        "route": "/v3/{loyalty_club_slug}/members",
        "status": 201,
        "club_id": club["id"],
        "principal": "client",
    }
    assert {r["status"] for r in access if r["route"] == "/v3/{loyalty_club_slug}/members/oauth/token"} == {200, 461}
    # Application INFO records are written (the outbox's: welcome messages, then the one-time password), each
    # with the request it belongs to.
    outbox = [r for r in records if r["logger"] == "loyaltyhub.members.outbox"]
    assert (
        len(outbox) >= 2 and {r["level"] for r in outbox} == {"INFO"} and {r["club_id"] for r in outbox} == {club["id"]}
    )
    assert outbox[0]["request_id"] == "signup-1" and re.fullmatch(r"[0-9a-f]{32}", outbox[-1]["request_id"])


def test_development_logs_are_readable_lines_with_the_request_context(settings, engine, connection, factory):
    club = factory.club()
    token = factory.client_token([club])
    stream = io.StringIO()
    handler = configure_logging(settings.model_copy(update={"env": "dev"}), stream=stream)
    try:
        app = create_app(
            settings,
            engine=engine,
            session_factory=lambda _w: Session(bind=connection, join_transaction_mode="create_savepoint"),
            start_background_jobs=False,
        )
        with TestClient(app) as client:
            response = client.get(
                f"/v3/{club.slug}/offers", headers={**factory.headers(token), "X-Request-Id": "dev-1"}
            )
        assert response.status_code == 200
    finally:
        logging.getLogger().removeHandler(handler)
    line = next(line for line in stream.getvalue().splitlines() if "loyaltyhub.access" in line)
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d INFO    loyaltyhub.access: GET /v3/\{{loyalty_club_slug\}}/offers 200 [\d.]+ms "
        rf"\[request_id=dev-1 club_id={club.id} principal=client\]",
        line,
    ), line
    assert not stream.getvalue().lstrip().startswith("{")


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-Id": "evil\tid with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert client.get("/healthz", headers={"X-Request-Id": "x" * 129}).headers["X-Request-Id"] != "x" * 129


def test_secrets_that_reach_a_message_or_traceback_are_redacted():
    text = "for ann@mall.example, +47 407 69 126, 4740769126, lhm_Ab3_secretPart, Bearer lhu_x_y and id 1000941"
    assert redact(text) == "for [redacted], [redacted], [redacted], [redacted], [redacted] and id 1000941"
    stream = io.StringIO()
    from loyaltyhub.settings import Settings

    handler = configure_logging(Settings(env="prod", secret_key="0123456789abcdef" * 4), stream=stream)
    try:
        try:
            raise ValueError("no member kari@example.com")
        except ValueError:
            logging.getLogger("loyaltyhub.test").exception("lookup of %s failed", "4798765432")
    finally:
        logging.getLogger().removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert record["message"] == "lookup of [redacted] failed"
    assert "kari@example.com" not in record["exception"] and "[redacted]" in record["exception"]
