"""Console sign-in: the session cookie's flags, CSRF on every form, sign-out, expiry, disabled users."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from loyaltyhub.auth.models import UserAccessToken
from loyaltyhub.auth.service import disable_user
from loyaltyhub.console.sessions import SESSION_COOKIE
from loyaltyhub.db.base import utcnow
from tests.console.conftest import PASSWORD, csrf_of, sign_in


def _set_cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


def test_a_page_without_a_session_redirects_to_sign_in_and_back(client, club):
    response = client.get(f"/console/{club.slug}/offers?status=draft", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?next=%2Fconsole%2F{club.slug}%2Foffers%3Fstatus%3Ddraft"


def test_sign_in_sets_an_httponly_samesite_cookie_and_goes_to_the_page_asked_for(client, club, staff_user):
    email = staff_user(club)
    response = sign_in(client, email, next_url=f"/console/{club.slug}/offers")
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/{club.slug}/offers"
    cookie = _set_cookie(response, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # test settings: not production
    assert "max-age=28800" in cookie
    page = client.get(f"/console/{club.slug}/offers")
    assert page.status_code == 200 and email in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


def test_the_cookie_is_secure_in_production(app, club, staff_user):
    app.state.settings = app.state.settings.model_copy(update={"env": "prod"})
    with TestClient(app, base_url="https://testserver") as client:  # behind the proxy's TLS
        response = sign_in(client, staff_user(club))
        assert "secure" in _set_cookie(response, SESSION_COOKIE).lower()
        assert client.get(f"/console/{club.slug}/offers").status_code == 200


def test_sign_in_never_redirects_to_another_site(client, club, staff_user):
    response = sign_in(client, staff_user(club), next_url="//evil.example/console")
    assert response.headers["location"] == "/console"


def test_wrong_password_and_unknown_user_are_refused_alike(client, club, staff_user):
    email = staff_user(club)
    wrong = sign_in(client, email, password="not the password")
    unknown = sign_in(client, "nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 401 and "Wrong e-mail or password." in response.text
        assert not any(h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.get_list("set-cookie"))


def test_repeated_wrong_passwords_slow_sign_in_down(app, client, club, staff_user):
    """Issue #14, defect 5: the console shares the staff token endpoint's throttle (per e-mail and address)."""
    from loyaltyhub.ratelimit.logins import LoginThrottle, MemoryThrottle, ThrottlePolicy

    policy = ThrottlePolicy(free_failures=2, base_delay=60.0, max_delay=600.0, forget_after=600.0)
    app.state.login_throttle = LoginThrottle(True, MemoryThrottle(), policy, policy)
    email = staff_user(club)
    assert [sign_in(client, email, password="nope").status_code for _ in range(3)] == [401] * 3
    refused = sign_in(client, email)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Too many failed sign-in attempts: try again in 60 s." in refused.text
    assert not any(h.startswith(f"{SESSION_COOKIE}=") for h in refused.headers.get_list("set-cookie"))


def test_the_sign_in_form_needs_its_csrf_token(client, club, staff_user):
    email = staff_user(club)
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"email": email, "password": PASSWORD, "csrf_token": "forged"}, follow_redirects=False
    )
    assert response.status_code == 403 and "expired" in response.text
    assert not any(h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.get_list("set-cookie"))


def test_every_form_of_a_session_needs_the_session_csrf_token(console_as, club):
    console = console_as(club)
    missing = console.post(f"/console/{club.slug}/offers", {"name.en": "Coffee"}, csrf=False)
    assert missing.status_code == 403 and "did not come from this console" in missing.text
    wrong = console.post("/console/logout", [("csrf_token", "0" * 64)], csrf=False)
    assert wrong.status_code == 403
    assert console.get(f"/console/{club.slug}/offers").status_code == 200  # still signed in
    listed = console.get(f"/console/{club.slug}/offers?search=Coffee")
    assert "No offers match" in listed.text


def test_the_csrf_token_is_bound_to_the_session(app, console_as, club):
    first, second = console_as(club), console_as(club)
    assert first.csrf != second.csrf
    response = first.post("/console/logout", [("csrf_token", second.csrf)], csrf=False)
    assert response.status_code == 403


def test_sign_out_ends_the_session_for_good(console_as, club, session):
    console = console_as(club)
    token = console.client.cookies.get(SESSION_COOKIE)
    response = console.post("/console/logout")
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert 'lh_console=""' in response.headers["set-cookie"] or "max-age=0" in response.headers["set-cookie"].lower()
    replay = TestClient(console.client.app, cookies={SESSION_COOKIE: token})
    assert replay.get(f"/console/{club.slug}/offers", follow_redirects=False).status_code == 303
    public_id = token.split("_")[1]
    assert session.execute(select(UserAccessToken).where(UserAccessToken.public_id == public_id)).first() is None


def test_an_expired_session_signs_out(console_as, club, session):
    console = console_as(club)
    public_id = console.client.cookies.get(SESSION_COOKIE).split("_")[1]
    session.execute(
        update(UserAccessToken)
        .where(UserAccessToken.public_id == public_id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    response = console.get(f"/console/{club.slug}/offers")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")


def test_a_disabled_user_is_signed_out(console_as, club, session):
    console = console_as(club)
    disable_user(session, console.email)
    assert console.get(f"/console/{club.slug}/offers").status_code == 303


def test_home_goes_to_the_only_club_or_lists_the_clubs(console_as, factory, club):
    one = console_as(club)
    assert one.get("/console").headers["location"] == f"/console/{club.slug}"
    assert one.get(f"/console/{club.slug}").headers["location"] == f"/console/{club.slug}/dashboard"
    other = factory.club()
    two = console_as(club, other)
    assert two.get("/console").headers["location"] == "/console/clubs"
    page = two.get("/console/clubs")
    assert club.name in page.text and other.name in page.text


def test_the_sign_in_page_has_a_labelled_form(client):
    page = client.get("/console/login")
    assert '<label for="email">' in page.text and '<label for="password">' in page.text
    assert csrf_of(page.text)
