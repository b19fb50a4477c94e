"""``/docs`` and ``/redoc`` work without a network: every asset comes from the app. Checked on the HTML, then
in a real browser (Debian's Chromium, headless) that may reach nothing but the server."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ops.servers import environment, run, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def _referenced(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    # The inline Swagger UI configuration names the document too (``url: '/openapi.json'``).
    return parser.urls + re.findall(r"url: '([^']+)'", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_assets_the_app_serves(client, page):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]  # the browser loads nothing else
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", response.text, re.I), "an external URL in the page"
    urls = _referenced(response.text)
    assert "/openapi.json" in urls and len(urls) >= 3, urls
    for url in urls:
        assert not urlsplit(url).netloc, url
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    kinds = {client.get(url).headers["content-type"].split(";")[0] for url in urls}
    assert {"application/json", "image/png"} <= kinds
    assert "text/javascript" in kinds or "application/javascript" in kinds


@pytest.mark.slow
def test_swagger_ui_renders_the_operations_in_chromium_with_no_network(scratch_url, tmp_path):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    env = environment(scratch_url)
    run(["migrate"], env, tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(env, tmp_path, tmp_path / "server.log") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            outside: list[str] = []
            refused: list[str] = []
            page.on(
                "console", lambda message: refused.append(message.text) if "Content Security" in message.text else None
            )

            def only_the_server(route):  # the machine is offline: anything else would hang or fail
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_server)
            page.goto(f"{base}/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock")
            assert operations.count() >= 60
            assert page.locator(".opblock-summary-operation-id", has_text="member_offers_use").count() == 1
            assert page.locator(".opblock-summary-description", has_text="Use an offer").count() >= 1
            page.screenshot(path=str(SCREENSHOTS / "docs.png"), full_page=False)
            page.locator("button.authorize").first.click()
            dialog = page.locator(".auth-container")
            dialog.first.wait_for(timeout=10_000)
            names = " ".join(dialog.all_inner_texts())
            assert all(scheme in names for scheme in ("ClientToken", "StaffBearer", "MemberBearer")), names
            page.screenshot(path=str(SCREENSHOTS / "docs-authorize.png"))

            page.goto(f"{base}/redoc")
            page.wait_for_selector("[role=menuitem] >> text=Use an offer", state="attached", timeout=30_000)
            assert page.locator("h2", has_text="Use an offer").count() == 1  # the operation's section
            page.screenshot(path=str(SCREENSHOTS / "redoc.png"))
            assert not outside, f"the docs asked for {outside}"
            # ReDoc's bundle wants its logo from a CDN; the page's policy refuses it before any request.
            assert all("cdn.redoc.ly" in message for message in refused), refused
        finally:
            browser.close()
