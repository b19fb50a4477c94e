"""The console in a real browser: Debian's Chromium, headless, driven by Playwright, against a real
``loyaltyhub serve`` (production settings, the tenancy audit on) that is the only host it may reach.

Every test fails on a console error, an uncaught script error, a failed request or an unexpected HTTP
error answer; every page is photographed at 1440 and 375 px wide into ``var/screenshots/console/``; an
axe-core pass (served from the tests' own copy) finds no serious or critical violation on any page.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token, create_user
from loyaltyhub.clubs.service import create_club
from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.session import unit_of_work
from loyaltyhub.messaging import catalog
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.wiring import build_services
from tests.conftest import own_postgres_database
from tests.factories import PUBLIC_HEADERS
from tests.member_offers import factories as mo
from tests.members import factories as members_factories
from tests.messaging import factories as messaging_factories
from tests.offers import factories as offers_factories
from tests.ops.servers import environment, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots" / "console"
AXE = Path(__file__).parent / "assets" / "axe-4.14.1.min.js"
PASSWORD = "browser test password"
WIDTHS = {"wide": (1440, 900), "narrow": (375, 812)}
MESSAGING_SETTINGS = {
    "channels": {
        "sms": {"sender_type": "alphanumeric", "sender_value": "Storo"},
        "email": {"from_name": "Storo", "from_email": "storo@example.com"},
    }
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
        reason="Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)",
    ),
]


@dataclass
class Site:
    base: str
    club_a: str
    club_b: str
    client_token: str
    member_id: int
    offer_b: int
    offer_a: int
    organization_id: int = 0
    collection_id: int = 0
    group_id: int = 0
    message_id: int = 0
    database_url: str = ""
    export_dir: str = ""


def _seed(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    try:
        with unit_of_work(engine, write=True, **{SESSION_KEY: build_services()}) as session:
            common = {"timezone": "Europe/Oslo", "country": "NO", "default_language": "en", "languages": ["en", "no"]}
            club_a = create_club(session, slug="storo", name="Storo Storsenter", organization="Storo Group", **common)
            club_b = create_club(session, slug="city-syd", name="City Syd", **common)
            session.flush()
            create_user(session, email="admin@storo.example", password=PASSWORD, role="admin", club_slugs=["storo"])
            create_user(session, email="analyst@storo.example", password=PASSWORD, role="analyst", club_slugs=["storo"])
            token = create_client_token(
                session, name="app", permits=[p.name for p in all_permits()], club_slugs=["storo"], product_name="app"
            ).token
            member = mo.member(session, club_a, sms_status="enabled")
            catalog.update_settings(session, club_a, MESSAGING_SETTINGS)
            offer_a = mo.offer(session, club_a, name={"en": "Seeded offer"}, status="draft")
            offer_b = mo.offer(session, club_b, name={"en": "City Syd secret"})
            picks = offers_factories.collection(session, club_a, title={"en": "Weekly picks"}, position=1)
            offers_factories.collection(session, club_a, title={"en": "Food court"}, position=2)
            mo.offer(session, club_a, name={"en": "Cinema ticket"}, collection_ids=[picks.id])
            mo.offer(session, club_a, name={"en": "Free parking"}, collection_ids=[picks.id])
            group = members_factories.group(session, club_a, name="VIP")
            members_factories.group(session, club_a, name="Families")
            message = messaging_factories.sending(session, club_a).message_id
            return {
                "club_a": club_a.slug,
                "club_b": club_b.slug,
                "client_token": token,
                "member_id": member.id,
                "offer_a": offer_a.id,
                "offer_b": offer_b.id,
                "organization_id": club_a.organization_id,
                "collection_id": picks.id,
                "group_id": group.id,
                "message_id": message,
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("console-browser")
    if database_url.startswith("sqlite"):
        databases: Any = _sqlite(tmp)
    else:
        databases = own_postgres_database(database_url)
    with databases as url:
        migrate.upgrade(url)
        seeded = _seed(url)
        env = environment(
            url,
            LOYALTYHUB_DATABASE_POOL_SIZE="2",
            LOYALTYHUB_DATABASE_MAX_OVERFLOW="2",
            LOYALTYHUB_EXPORT_DIR=str(tmp / "exports"),
        )
        with serve(env, tmp, tmp / "server.log") as base:
            yield Site(base=base, database_url=url, export_dir=str(tmp / "exports"), **seeded)


class _sqlite:
    def __init__(self, tmp: Path) -> None:
        self.url = f"sqlite:///{tmp / 'console.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page whose troubles are recorded: console errors, script errors, failed requests, error answers."""

    page: Any
    site: Site
    troubles: list[str] = field(default_factory=list)
    expected: set[int] = field(default_factory=set)
    # Main-frame navigations so far, and the requests the browser cancelled with the count when each was sent:
    # a page left while it still loads (a redirect, the next goto) has its own loads cancelled by the browser.
    navigations: int = 0
    cancelled: list[tuple[str, int]] = field(default_factory=list)

    def goto(self, path: str, expect: int | None = None) -> Any:
        if expect:
            self.expected.add(expect)
        return self.page.goto(self.site.base + path)

    def shoot(self, name: str) -> None:
        """The page at both widths (full page), then back to the wide viewport."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, (width, height) in WIDTHS.items():
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.wait_for_timeout(50)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            if label == "narrow":  # nothing may stick out sideways on a phone
                overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} is {overflow}px wider than a 375px screen"
        self.page.set_viewport_size({"width": 1440, "height": 900})

    def check(self) -> None:
        unexpected = [t for t in self.troubles if not any(f"status of {code}" in t for code in self.expected)]
        # Cancelled on the page still shown: nothing replaced it, so the browser gave up on the server's answer.
        unexpected += [
            f"request failed: {url} net::ERR_ABORTED" for url, sent_at in self.cancelled if sent_at == self.navigations
        ]
        assert not unexpected, unexpected


@pytest.fixture
def open_page(browser: Any, site: Site) -> Iterator[Any]:
    contexts: list[Any] = []
    watched: list[Watched] = []

    def make(**options: Any) -> Watched:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        w = Watched(page, site)
        watched.append(w)

        def only_the_server(route: Any) -> None:
            if route.request.url.startswith(site.base):
                route.continue_()
            else:
                w.troubles.append(f"asked for another host: {route.request.url}")
                route.abort()

        page.route("**/*", only_the_server)
        page.on("console", lambda m: w.troubles.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: w.troubles.append(f"script error: {e}"))

        sent_at: dict[Any, int] = {}

        def navigated(frame: Any) -> None:
            if frame == page.main_frame:
                w.navigations += 1

        page.on("framenavigated", navigated)
        page.on("request", lambda request: sent_at.setdefault(request, w.navigations))

        def failed(request: Any) -> None:
            if "ERR_ABORTED" in (request.failure or ""):
                # htmx aborts its own earlier request when a newer keystroke replaces it (search as you type):
                # the browser's choice, not a failed request.
                if request.headers.get("hx-request") == "true":
                    return
                # Judged at the end, once every navigation is known (see Watched.check).
                w.cancelled.append((request.url, sent_at.get(request, w.navigations)))
                return
            w.troubles.append(f"request failed: {request.url} {request.failure}")

        page.on("requestfailed", failed)

        def answered(response: Any) -> None:
            if response.status >= 400 and response.status not in w.expected:
                w.troubles.append(f"{response.status} for {response.url}")

        page.on("response", answered)
        return w

    yield make
    try:
        for w in watched:
            w.check()
    finally:
        for context in contexts:
            context.close()


def sign_in(w: Watched, email: str, path: str = "/console") -> None:
    w.goto(path)
    w.page.wait_for_url(re.compile(r"/console/login"))
    w.page.get_by_label("E-mail").fill(email)
    w.page.get_by_label("Password").fill(PASSWORD)
    # Wait for the page the sign-in leads to, not for the sign-in page (loaded already): a test that goes on
    # before it has loaded aborts its styles and scripts (seen as failed requests under load).
    with w.page.expect_navigation(wait_until="load"):
        w.page.get_by_role("button", name="Sign in").click()


def test_create_publish_use_and_see_the_use_on_the_dashboard(open_page, site):
    w = open_page()
    w.goto("/console")
    w.page.wait_for_url(re.compile(r"/console/login"))
    w.shoot("login")
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    cookie = next(c for c in w.page.context.cookies() if c["name"] == "lh_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["secure"]  # production settings

    w.page.get_by_role("link", name="Offers").click()
    w.page.wait_for_url(f"**/console/{site.club_a}/offers")
    w.page.get_by_role("link", name="New offer").click()
    w.page.get_by_label("Name (en)").fill("Browser coffee")
    w.page.get_by_label("Name (no)").fill("Nettleserkaffe")
    w.page.get_by_label("Description (en)").fill("A cup of coffee for members")
    w.page.get_by_label("Uses per member").fill("3")
    w.shoot("offer-new")
    w.page.get_by_role("button", name="Create offer").click()
    w.page.wait_for_url(re.compile(r"/offers/\d+\?saved=1$"))
    offer_id = int(re.search(r"/offers/(\d+)", w.page.url).group(1))
    assert w.page.locator("#offer-status").inner_text() == "draft"
    w.page.get_by_role("button", name="Publish").click()
    w.page.wait_for_load_state()
    assert w.page.locator("#offer-status").inner_text() == "published"
    w.shoot("offer-edit")

    w.goto(f"/console/{site.club_a}/offers")
    w.page.get_by_label("Search").fill("browser cof")  # htmx swaps the results as you type
    w.page.wait_for_url(re.compile(r"search=browser"))
    w.page.locator(f'tr[data-offer-id="{offer_id}"]').wait_for()
    assert w.page.locator("tr[data-offer-id]").count() == 1
    w.shoot("offers")

    used = httpx.post(
        f"{site.base}/v3/{site.club_a}/members/{site.member_id}/offers/{offer_id}/use",
        headers={"X-Client-Authorization": site.client_token, **PUBLIC_HEADERS},
        timeout=30,
    )
    assert used.status_code in (200, 201), used.text

    w.goto(f"/console/{site.club_a}/dashboard?range=7")
    w.page.wait_for_selector("html[data-charts-drawn]")
    drawn = w.page.evaluate(
        "() => { const c = Chart.getChart(document.getElementById('canvas-uses'));"
        " return {labels: c.data.labels, data: c.data.datasets[0].data}; }"
    )
    assert drawn["data"][-1] == 1 and sum(drawn["data"]) == 1
    top = w.page.evaluate("() => Chart.getChart(document.getElementById('canvas-top_offers')).data.labels")
    assert top == ["Browser coffee"]
    w.page.locator("#chart-uses summary").click()
    assert w.page.locator("#table-uses tbody tr").last.locator("td").nth(1).inner_text() == "1"
    with w.page.expect_download() as download:
        w.page.locator("#chart-uses").get_by_role("link", name="Download CSV").click()
    assert Path(download.value.path()).read_text().strip().splitlines()[-1].endswith(",1")
    w.shoot("dashboard")

    w.page.get_by_role("link", name="Reports").click()
    w.page.wait_for_url(re.compile(r"/reports$"))
    w.page.wait_for_load_state()  # htmx listens once the page's deferred scripts ran
    w.page.get_by_label("Report").select_option("offers_usages_history")  # htmx brings the report's fields
    w.page.get_by_label("Interval").select_option("1d")
    w.page.get_by_label("Period").select_option("7")
    w.page.get_by_role("button", name="Run").click()
    w.page.wait_for_selector("html[data-charts-drawn]")
    explored = w.page.evaluate("() => Chart.getChart(document.getElementById('canvas-explorer')).data.datasets[0].data")
    assert explored == [1]
    assert w.page.locator("#table-explorer tbody tr td").nth(1).inner_text() == "1"
    w.shoot("reports")

    w.page.get_by_role("link", name="Members").click()
    w.page.wait_for_url(re.compile(r"/members$"))
    w.page.wait_for_load_state()  # htmx listens once the page's deferred scripts ran
    w.page.get_by_label("E-mail, phone number or member id").fill(str(site.member_id))
    w.page.wait_for_url(re.compile(r"q=\d+"))
    w.page.locator(f'tr[data-member-id="{site.member_id}"] a').click()
    w.page.wait_for_url(f"**/members/{site.member_id}")
    w.shoot("member")

    w.page.get_by_role("button", name="Sign out").click()
    w.page.wait_for_url(re.compile(r"/console/login$"))
    w.goto(f"/console/{site.club_a}/offers")
    w.page.wait_for_url(re.compile(r"/console/login\?next="))


def test_a_422_is_shown_next_to_the_right_field(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example", f"/console/{site.club_a}/offers/new")
    w.page.wait_for_url(f"**/console/{site.club_a}/offers/new")
    w.page.get_by_label("Name (en)").fill("Backwards")
    w.page.get_by_label("Usable from").fill("2026-12-10T10:00")
    w.page.get_by_label("Usable until").fill("2026-12-01T10:00")
    w.expected.add(422)
    w.page.get_by_role("button", name="Create offer").click()
    w.page.wait_for_selector("#form-problems")
    until = w.page.get_by_label("Usable until")
    assert until.get_attribute("aria-invalid") == "true"
    described = w.page.locator("#" + until.get_attribute("aria-describedby").split()[0])
    assert described.inner_text() == "must be after usable since"
    assert described.locator("li").get_attribute("data-error") == "greater_than_property"
    field = w.page.locator(".field", has=until)
    assert field.locator(".field-errors").count() == 1  # in the field's own box, under its input
    assert w.page.locator(".field-errors").count() == 1
    assert w.page.get_by_label("Name (en)").input_value() == "Backwards"
    w.shoot("offer-422")


def test_an_analyst_cannot_open_the_offer_editor(open_page, site):
    w = open_page()
    sign_in(w, "analyst@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    w.goto(f"/console/{site.club_a}/offers")
    assert w.page.locator(f'tr[data-offer-id="{site.offer_a}"] a').count() == 0
    assert w.page.get_by_role("link", name="New offer").count() == 0
    response = w.goto(f"/console/{site.club_a}/offers/{site.offer_a}", expect=403)
    assert response.status == 403
    assert "Missing permit Offers:Api:Offers:Update" in w.page.locator("main").inner_text()
    w.shoot("forbidden")


def test_club_as_user_cannot_open_club_bs_offer(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    for path in (f"/console/{site.club_b}/offers/{site.offer_b}", f"/console/{site.club_a}/offers/{site.offer_b}"):
        response = w.goto(path, expect=404)
        assert response.status == 404
        assert "City Syd secret" not in w.page.content()
    w.shoot("not-found")


def test_every_page_at_both_widths(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    for name, path in (
        ("offer-seeded", f"/offers/{site.offer_a}"),
        ("members", "/members"),
        ("member-seeded", f"/members/{site.member_id}"),
        ("reports-empty", "/reports"),
        ("reports-records", "/reports?report=offers"),
    ):
        w.goto(f"/console/{site.club_a}{path}")
        w.shoot(name)
    w.goto(f"/console/organizations/{site.organization_id}/dashboard")
    w.page.wait_for_selector("html[data-charts-drawn]")
    w.shoot("organization-dashboard")
    w.goto(f"/console/{site.club_a}/dashboard")
    w.page.wait_for_selector("html[data-charts-drawn]")
    w.page.get_by_label("Language").select_option("no")
    w.page.get_by_role("button", name="Change").click()
    w.page.wait_for_selector("html[lang=nb][data-charts-drawn]")
    assert w.page.locator("h1").inner_text() == "Oversikt"
    w.shoot("dashboard-nb")
    w.page.get_by_label("Språk").select_option("en")
    w.page.get_by_role("button", name="Bytt").click()
    w.page.wait_for_selector("html[lang=en]")


def test_compose_schedule_unschedule_send_and_see_the_results(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    w.page.get_by_role("link", name="Messages").click()
    w.page.wait_for_url(re.compile(r"/messages$"))
    w.shoot("messages-empty")
    w.page.get_by_role("link", name="New message").click()
    w.page.get_by_label("Service").select_option("generic")
    w.page.get_by_label("Name", exact=True).fill("Weekend sale")
    w.page.get_by_label("SMS text").fill("Hi {{ member.shoe_size }}")
    w.page.get_by_label("Only the members listed below").check()
    w.page.get_by_label("Also these member ids (separated by commas or spaces)").fill(str(site.member_id))
    w.page.get_by_label("Send at a time").check()
    w.page.get_by_label("Send at", exact=True).fill("2099-12-10T10:00")
    w.shoot("message-new")
    w.expected.add(422)
    w.page.get_by_role("button", name="Save message").click()
    w.page.wait_for_selector("#form-problems")
    body = w.page.get_by_label("SMS text")
    assert body.get_attribute("aria-invalid") == "true"
    described = w.page.locator("#" + body.get_attribute("aria-describedby").split()[0])
    assert described.locator("li").get_attribute("data-error") == "unknown_merge_property"
    w.shoot("message-422")
    body.fill("Hi {{ member.first_name }}, 20% off this weekend")
    w.page.get_by_role("button", name="Save message").click()
    w.page.wait_for_url(re.compile(r"/messages/generic/\d+\?saved=1$"))
    sending = w.page.locator("article.sending")
    assert sending.get_attribute("data-status") == "scheduled"
    assert "2099-12-10 10:00" in sending.inner_text()  # the club's wall time, as typed
    w.page.get_by_role("button", name="Unschedule (back to draft)").click()
    w.page.wait_for_url(re.compile(r"done=scheduled"))
    assert w.page.locator("article.sending").get_attribute("data-status") == "draft"
    w.page.get_by_role("button", name="Send now").click()
    w.page.wait_for_url(re.compile(r"done=scheduled"))
    assert w.page.locator("article.sending").get_attribute("data-status") == "scheduled"

    engine = make_engine(site.database_url, pool_size=1)  # the worker's tick, as `loyaltyhub worker` runs it
    try:
        units = partial(unit_of_work, engine, **{SESSION_KEY: build_services()})
        run_messaging(units, "browser-test", budget_seconds=10)
    finally:
        engine.dispose()
    w.page.reload()
    results = w.page.locator("table.results")
    results.wait_for()
    # No SMS transport is configured: the one dispatch fails permanently, and the page says so.
    assert w.page.locator("article.sending").get_attribute("data-status") in ("transmitted", "failed")
    assert results.locator("tbody tr").first.get_attribute("data-result") == "failed"
    assert results.locator("tbody tr").count() == 1
    assert results.locator("tbody tr td").nth(1).inner_text() == "1"
    w.shoot("message")
    w.page.get_by_role("link", name="Back to messages").click()
    w.page.locator("tr[data-message-id] a", has_text="Weekend sale").wait_for()
    w.shoot("messages")


def test_collections_and_groups(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    w.page.get_by_role("link", name="Collections").click()
    w.page.wait_for_url(re.compile(r"/collections$"))
    rows = w.page.locator("tr[data-collection-id]")
    assert rows.nth(0).inner_text().startswith("1\tWeekly picks")
    w.page.get_by_role("button", name="Move up: Food court").click()
    w.page.wait_for_url(re.compile(r"done=ordered"))
    assert w.page.locator("tr[data-collection-id]").nth(0).get_attribute("data-collection-id") != str(
        site.collection_id
    )
    w.shoot("collections")
    w.page.get_by_role("link", name="Weekly picks").click()
    w.page.wait_for_url(re.compile(rf"/collections/{site.collection_id}$"))
    w.page.get_by_role("button", name="Move down: Cinema ticket").click()
    w.page.wait_for_url(re.compile(r"done=ordered"))
    assert w.page.locator("tr[data-offer-id] td").nth(1).inner_text() == "Free parking"
    w.shoot("collection")

    w.page.get_by_role("link", name="Groups").click()
    w.page.wait_for_url(re.compile(r"/groups$"))
    w.page.get_by_label("Name").fill("Weekend shoppers")
    w.page.get_by_role("button", name="Create group").click()
    w.page.wait_for_url(re.compile(r"done=created"))
    w.page.locator("tr[data-group-id]", has_text="Weekend shoppers").wait_for()
    w.shoot("groups")
    w.goto(f"/console/{site.club_a}/members/{site.member_id}")
    w.page.get_by_label("Add to group").select_option(label="VIP")
    w.page.get_by_role("button", name="Add", exact=True).click()
    w.page.wait_for_url(re.compile(r"done=added"))
    assert w.page.locator(f'#member-groups li[data-group-id="{site.group_id}"]').count() == 1
    w.shoot("member-groups")
    w.page.get_by_role("button", name="Remove from VIP").click()
    w.page.wait_for_url(re.compile(r"done=removed"))
    assert w.page.locator(f'#member-groups li[data-group-id="{site.group_id}"]').count() == 0


def test_every_offer_field_in_the_editor(open_page, site):
    w = open_page()
    sign_in(w, "admin@storo.example")
    w.goto(f"/console/{site.club_a}/offers/new")
    w.page.get_by_label("Name (en)").fill("Everything")
    w.page.get_by_label("Weekly picks").check()
    w.page.get_by_label("Button title").fill("Read more")
    w.page.get_by_label("Activation button").fill("Activate")
    w.page.get_by_label("Image template (JSON object)").fill('{"width": 0, "height": 300}')
    w.expected.add(422)
    w.page.get_by_role("button", name="Create offer").click()
    w.page.wait_for_selector("#form-problems")
    template = w.page.get_by_label("Image template (JSON object)")
    assert template.get_attribute("aria-invalid") == "true"
    assert "width: must be at least 1" in w.page.locator("#image_template-errors").inner_text()
    assert w.page.get_by_label("Weekly picks").is_checked()
    w.shoot("offer-every-field-422")
    template.fill('{"width": 600, "height": 300}')
    w.page.get_by_role("button", name="Create offer").click()
    w.page.wait_for_url(re.compile(r"/offers/\d+\?saved=1$"))
    assert w.page.get_by_label("Weekly picks").is_checked()
    assert w.page.get_by_label("Activation button").input_value() == "Activate"
    # The image template's preview, drawn by the API's renderer, swapped in under the text box.
    rectangle = {"offset_top": 20, "offset_left": 20, "width": 560, "height": 80, "font_size": 40, "color": "#ffffff"}
    w.page.get_by_label("Image template (JSON object)").fill(
        json.dumps({"width": 600, "height": 300, "rectangles": [{**rectangle, "content": "Everything"}]})
    )
    w.page.get_by_role("button", name="Preview the image").click()
    w.page.wait_for_function("() => document.querySelector('#preview-image')?.naturalWidth === 600")
    w.shoot("offer-image-preview")


def test_filter_builder_export_progress_and_download(open_page, site):
    from loyaltyhub.exports.runner import Sessions, run_pending
    from loyaltyhub.settings import Settings

    w = open_page(accept_downloads=True)
    sign_in(w, "analyst@storo.example")
    w.goto(f"/console/{site.club_a}/reports?report=offers")
    w.page.get_by_label("Field 1").select_option("status")
    w.page.get_by_label("Operator 1").select_option("equal")
    w.page.get_by_label("Value 1").fill("draft")
    w.page.get_by_role("button", name="Run").click()
    w.page.wait_for_url(re.compile(r"c1.value=draft"))
    assert w.page.locator("#table-explorer tbody tr").count() >= 1
    w.shoot("reports-filter-builder")
    w.page.get_by_role("button", name="Export", exact=True).click()
    w.page.wait_for_url(re.compile(r"/exports/\d+$"))
    assert w.page.locator("#export-status").get_attribute("data-status") == "queued"
    w.shoot("export-queued")
    engine = make_engine(site.database_url, pool_size=1)  # the export worker's tick, as `loyaltyhub worker` runs it
    try:
        settings = Settings(env="test", database_url=site.database_url, export_dir=site.export_dir, redis_url=None)
        assert run_pending(Sessions.for_engine(engine, build_services()), settings)
    finally:
        engine.dispose()
    # The page asks again every second (htmx) and shows the file once the worker is done.
    w.page.wait_for_selector('#export-status[data-status="done"] #export-download')
    assert w.page.locator("#export-percent").inner_text() == "100%"
    w.shoot("export-done")
    with w.page.expect_download() as download:
        w.page.locator("#export-download").click()
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[0].startswith("id,") and "Seeded offer" in text


PAGES = (
    "/dashboard",
    "/offers",
    "/offers/new",
    "/messages",
    "/messages/new",
    "/members",
    "/reports?report=offers_usages_stats",
    "/reports?report=offers&c1.field=status&c1.op=equal&c1.value=draft",
    "/collections",
    "/groups",
)


def test_pages_have_no_serious_accessibility_violations(open_page, site):
    # axe is injected as a script of the test: only this context lifts the pages' CSP to let it run.
    w = open_page(bypass_csp=True)
    sign_in(w, "admin@storo.example")
    w.page.wait_for_url(f"**/console/{site.club_a}/dashboard")
    found = {}
    pages = (
        *PAGES,
        f"/offers/{site.offer_a}",
        f"/members/{site.member_id}",
        f"/collections/{site.collection_id}",
        f"/groups/{site.group_id}",
        f"/messages/generic/{site.message_id}",
    )
    paths = (*(f"/console/{site.club_a}{p}" for p in pages), f"/console/organizations/{site.organization_id}/dashboard")
    for path in ("/console/login", *paths):
        if path == "/console/login":
            w.page.context.clear_cookies()
        w.goto(path)
        if path == "/console/login":
            sign_in(w, "admin@storo.example")
        if "/dashboard" in path:  # the charts arrive by their own requests: check the page with them
            w.page.wait_for_selector("html[data-charts-drawn]")
        serious = _axe(w)
        if serious:
            found[path] = serious
    # An export's page (queued by the explorer's Export button).
    w.goto(f"/console/{site.club_a}/reports?report=offers")
    w.page.get_by_role("button", name="Export", exact=True).click()
    w.page.wait_for_url(re.compile(r"/exports/\d+$"))
    serious = _axe(w)
    if serious:
        found["export"] = serious
    assert not found, found


def _axe(w: Watched) -> list[str]:
    """axe-core's serious and critical violations on the page shown."""
    w.page.add_script_tag(path=str(AXE))
    result = w.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
