"""The console speaks English and Norwegian: the user's choice (the language picker), else the club's
default language, else English; texts without a translation stay English."""

from __future__ import annotations

from loyaltyhub.console import i18n


def test_a_norwegian_club_gets_norwegian_pages(console_as, factory):
    club = factory.club(default_language="no", languages=["no", "en"])
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/dashboard")
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text and "<h1>Oversikt</h1>" in page.text
    assert ">Medlemmer over tid</h2>" in page.text and ">Logg ut</button>" in page.text
    chart = console.get(f"/console/{club.slug}/dashboard/charts/uses?range=7", headers={"HX-Request": "true"})
    assert "Last ned CSV" in chart.text and "Tabell" in chart.text
    by_hour = console.get(f"/console/{club.slug}/dashboard/charts/uses_by_hour", headers={"HX-Request": "true"})
    assert "&#34;label&#34;: &#34;mandag&#34;" in by_hour.text  # the series' names too
    messages = console.get(f"/console/{club.slug}/messages")
    assert "<h1>Meldinger</h1>" in messages.text and "Ingen meldinger i campaigns ennå." in messages.text


def test_the_user_chooses_the_language(console_as, club):
    console = console_as(club)  # an English club
    english = console.get(f"/console/{club.slug}/offers")
    assert '<html lang="en">' in english.text and "<h1>Offers</h1>" in english.text
    back = f"/console/{club.slug}/offers"
    assert console.post("/console/language", {"language": "no", "next": back}, csrf=False).status_code == 403
    chosen = console.post("/console/language", {"language": "no", "next": back})
    assert chosen.status_code == 303 and chosen.headers["location"] == back
    cookie = next(c for c in console.client.cookies.jar if c.name == i18n.LANGUAGE_COOKIE)
    assert cookie.value == "no" and cookie.path == "/console"
    norwegian = console.get(back)
    assert '<html lang="nb">' in norwegian.text and "<h1>Tilbud</h1>" in norwegian.text
    assert console.post("/console/language", {"language": "sv", "next": back}).status_code == 422
    console.post("/console/language", {"language": "en", "next": back})
    assert "<h1>Offers</h1>" in console.get(back).text


def test_the_sign_in_page_follows_the_choice_before_signing_in(client):
    client.post(
        "/console/language",
        content="language=no&next=/console/login",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    page = client.get("/console/login")
    assert "<h1>Logg inn</h1>" in page.text and ">Passord</label>" in page.text


def test_every_norwegian_text_keeps_the_placeholders_of_its_english_original():
    import re

    for english, norwegian in i18n.NORWEGIAN.items():
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", norwegian)), english
        assert norwegian.strip()


def test_the_forms_and_the_explorer_in_norwegian(console_as, factory, session):
    from tests.offers import factories as offers

    club = factory.club(languages=["no", "en"], default_language="no")
    offer = offers.offer(session, club, name={"no": "Kino"})
    console = console_as(club)
    form = console.get(f"/console/{club.slug}/offers/{offer.id}")
    for text in ("Rediger tilbud", "Synlig fra", "Bruk per medlem", "Les mer", "Bildemal (JSON-objekt)", "Tildel"):
        assert text in form.text, text
    assert "Visible from" not in form.text and "Uses per member" not in form.text
    explorer = console.get(f"/console/{club.slug}/reports?report=offers")
    for text in ("Betingelser (alle må gjelde)", "Felt 1", "Kjør", "Eksporter alle rader som"):
        assert text in explorer.text, text
    assert "choose a report" not in explorer.text
    assert "Ny samling" in console.get(f"/console/{club.slug}/collections").text
    assert "Medlemsgrupper" in console.get(f"/console/{club.slug}/groups").text
