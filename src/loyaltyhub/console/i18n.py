"""The console's languages for the staff: English and Norwegian (bokmål).

A page is in the language the user chose (the ``lh_console_lang`` cookie, set by the language picker), else
in the club's default language when the console speaks it, else in English. Texts are the English
originals looked up in a catalogue; a text without a translation stays English (never an empty label).
Data (offer names, report and field names, the API's error messages) is shown as it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGUAGE_COOKIE = "lh_console_lang"
LANGUAGES = {"en": "English", "no": "Norsk"}
# Club language codes the console reads as one of its languages.
ALIASES = {"nb": "no", "nn": "no", "no": "no", "en": "en"}

NORWEGIAN: dict[str, str] = {
    # the frame
    "Skip to content": "Hopp til innholdet",
    "Main": "Hovedmeny",
    "Dashboard": "Oversikt",
    "Offers": "Tilbud",
    "Reports": "Rapporter",
    "Members": "Medlemmer",
    "Messages": "Meldinger",
    "Clubs": "Klubber",
    "Sign out": "Logg ut",
    "Language": "Språk",
    "Change": "Bytt",
    "Console": "Konsoll",
    # sign-in
    "Sign in": "Logg inn",
    "Staff of the loyalty clubs sign in with the e-mail and password of their staff user.": (
        "Ansatte i kundeklubbene logger inn med e-postadressen og passordet til brukeren sin."
    ),
    "E-mail": "E-post",
    "Password": "Passord",
    "Wrong e-mail or password.": "Feil e-post eller passord.",
    "The sign-in form expired: please try again.": "Innloggingsskjemaet er utløpt: prøv igjen.",
    "Too many sign-in attempts: wait a minute and try again.": "For mange innloggingsforsøk: vent litt og prøv igjen.",
    "Choose a club": "Velg en klubb",
    "Organizations": "Organisasjoner",
    # errors
    "Signed out": "Logget ut",
    "Not allowed": "Ikke tillatt",
    "Not found": "Ikke funnet",
    "Method not allowed": "Metoden er ikke tillatt",
    "Conflict": "Konflikt",
    "Invalid input": "Ugyldige data",
    "Too many requests": "For mange forespørsler",
    "Error": "Feil",
    "Back to the console": "Tilbake til konsollen",
    # dashboard
    "{first} to {last}, days in {timezone}": "{first} til {last}, dager i {timezone}",
    "Period": "Periode",
    "Last 7 days": "Siste 7 dager",
    "Last 30 days": "Siste 30 dager",
    "Last 90 days": "Siste 90 dager",
    "Custom": "Egendefinert",
    "From": "Fra",
    "To": "Til",
    "Show": "Vis",
    "Loading…": "Laster…",
    "Open the chart": "Åpne diagrammet",
    "Members over time": "Medlemmer over tid",
    "Offer uses per day": "Bruk av tilbud per dag",
    "Top offers by uses": "Mest brukte tilbud",
    "Offer uses per hour of week": "Bruk av tilbud per time i uken",
    "Monday": "mandag",
    "Tuesday": "tirsdag",
    "Wednesday": "onsdag",
    "Thursday": "torsdag",
    "Friday": "fredag",
    "Saturday": "lørdag",
    "Sunday": "søndag",
    "Members by gender (today)": "Medlemmer etter kjønn (i dag)",
    "Members by birth-year group (today)": "Medlemmer etter fødselsårsgruppe (i dag)",
    "Sendings: delivered, opened, clicked": "Utsendelser: levert, åpnet, klikket",
    "Delivered": "Levert",
    "Opened": "Åpnet",
    "Clicked": "Klikket",
    "Table": "Tabell",
    "Download CSV": "Last ned CSV",
    "Nothing in this period yet.": "Ingenting i denne perioden ennå.",
    "(the table below holds the same numbers)": "(tabellen under har de samme tallene)",
    # messages
    "New message": "Ny melding",
    "Service": "Tjeneste",
    "Name": "Navn",
    "Channels": "Kanaler",
    "Sendings": "Utsendelser",
    "Latest sending": "Siste utsendelse",
    "Updated": "Oppdatert",
    "none": "ingen",
    "No messages in {service} yet.": "Ingen meldinger i {service} ennå.",
    "Write one": "Skriv en",
    "Previous page": "Forrige side",
    "Next page": "Neste side",
    "Pages": "Sider",
    "Message": "Melding",
    "Audience": "Mottakere",
    "When ({timezone})": "Når ({timezone})",
    "Save message": "Lagre meldingen",
    "Back to messages": "Tilbake til meldingene",
    "Keep as a draft": "Behold som utkast",
    "Send now": "Send nå",
    "Send at a time": "Send på et tidspunkt",
    "Send at": "Send",
    "Send after a while": "Send om en stund",
    "Send in": "Send om",
    "Every member (marketing messages: those who consented)": ("Alle medlemmer (markedsføring: de som har samtykket)"),
    "A member group": "En medlemsgruppe",
    "Member group": "Medlemsgruppe",
    "choose a group": "velg en gruppe",
    "Members matching a filter": "Medlemmer som passer et filter",
    "Only the members listed below": "Bare medlemmene under",
    "Results": "Resultater",
    "Cancel sending": "Avbryt utsendelsen",
    "Unschedule (back to draft)": "Fjern tidspunktet (tilbake til utkast)",
    "Schedule": "Planlegg",
    "Delete message": "Slett meldingen",
    "No sending yet.": "Ingen utsendelse ennå.",
    "Saved.": "Lagret.",
    # offers and members (headings and the list filters)
    "New offer": "Nytt tilbud",
    "Search": "Søk",
    "Status": "Status",
    "Type": "Type",
    "Uses": "Bruk",
    "Filter": "Filtrer",
    # offer editor sections
    "Audience and links": "Målgruppe og koblinger",
    "Read more": "Les mer",
    "Show the read-more button": "Vis les mer-knappen",
    "Activation texts": "Aktiveringstekster",
    "Files and image": "Filer og bilde",
    # collections
    "Collections": "Samlinger",
    "Collection": "Samling",
    "No collections yet.": "Ingen samlinger ennå.",
    "Members see the collections in this order.": "Medlemmene ser samlingene i denne rekkefølgen.",
    "Position": "Plassering",
    "Title": "Tittel",
    "Description": "Beskrivelse",
    "Scope": "Område",
    "Order": "Rekkefølge",
    "any": "alle",
    "Move up": "Flytt opp",
    "Move down": "Flytt ned",
    "New collection": "Ny samling",
    "Empty: after the last one": "Tom: etter den siste",
    "Create collection": "Opprett samling",
    "Edit collection": "Rediger samlingen",
    "Offers in this collection": "Tilbud i denne samlingen",
    "No offers in this collection yet: choose it in an offer’s editor.": (
        "Ingen tilbud i denne samlingen ennå: velg den i redigeringen av et tilbud."
    ),
    "Back to collections": "Tilbake til samlingene",
    "Collection created.": "Samlingen er opprettet.",
    "Order saved.": "Rekkefølgen er lagret.",
    "Archived.": "Arkivert.",
    "Archive": "Arkiver",
    "Save": "Lagre",
    # member groups
    "Groups": "Grupper",
    "Member groups": "Medlemsgrupper",
    "Group created.": "Gruppen er opprettet.",
    "Group saved.": "Gruppen er lagret.",
    "Group deleted.": "Gruppen er slettet.",
    "Back to groups": "Tilbake til gruppene",
    "{count} members": "{count} medlemmer",
    "Edit group": "Rediger gruppe",
    "Delete group": "Slett gruppe",
    "Its members leave the group; the members themselves are kept.": (
        "Medlemmene går ut av gruppen; selve medlemmene beholdes."
    ),
    "Add a member to a group from the member’s page.": "Legg et medlem til i en gruppe fra medlemmets side.",
    "No groups yet.": "Ingen grupper ennå.",
    "New group": "Ny gruppe",
    "Create group": "Opprett gruppe",
    "Remove from {group}": "Fjern fra {group}",
    "Remove": "Fjern",
    "In no group.": "Ikke i noen gruppe.",
    "Add to group": "Legg til i gruppe",
    "Add": "Legg til",
    "Added to the group.": "Lagt til i gruppen.",
    "Removed from the group.": "Fjernet fra gruppen.",
    # reports explorer: filter builder and exports
    "Conditions (all must hold)": "Betingelser (alle må gjelde)",
    "Field": "Felt",
    "Operator": "Operator",
    "Value": "Verdi",
    "no condition": "ingen betingelse",
    "in / not_in: values separated by commas; null: no value.": (
        "in / not_in: verdier skilt med komma; null: ingen verdi."
    ),
    "Filter (JSON, the Reporting API's grammar)": "Filter (JSON, rapport-API-ets grammatikk)",
    "Export every row as": "Eksporter alle rader som",
    "Export": "Eksport",
    "Your latest exports": "Dine siste eksporter",
    "Report": "Rapport",
    "Rows": "Rader",
    "Size": "Størrelse",
    "Progress": "Fremdrift",
    "Available until": "Tilgjengelig til",
    "Cancel the export": "Avbryt eksporten",
    "Delete the file": "Slett filen",
    "Download the file": "Last ned filen",
    "The export runs in the background; this page follows it.": "Eksporten kjører i bakgrunnen; siden følger den.",
    "Refresh": "Oppdater",
    "Back to reports": "Tilbake til rapportene",
    "queued": "i kø",
    "running": "kjører",
    "done": "ferdig",
    "failed": "feilet",
    "cancelled": "avbrutt",
    "expired": "utløpt",
    # the offer form
    "Edit offer": "Rediger tilbud",
    "Create offer": "Opprett tilbud",
    "Unpublish": "Avpubliser",
    "Publish": "Publiser",
    "Clone": "Kopier",
    "The offer was not saved: please correct the fields marked below.": (
        "Tilbudet ble ikke lagret: rett feltene som er merket under."
    ),
    "Content": "Innhold",
    "Notes": "Notater",
    "Internal name": "Internt navn",
    "Seen by staff only": "Bare synlig for ansatte",
    "External URL": "Ekstern URL",
    "External source": "Ekstern kilde",
    "The system the offer comes from": "Systemet tilbudet kommer fra",
    "External master id": "Ekstern hoved-id",
    "Visible from": "Synlig fra",
    "Visible until": "Synlig til",
    "Usable from": "Kan brukes fra",
    "Usable until": "Kan brukes til",
    "Limits": "Begrensninger",
    "Uses per member": "Bruk per medlem",
    "Empty: no limit": "Tom: ingen grense",
    "Grants per member": "Tildelinger per medlem",
    "Stock": "Beholdning",
    "Uses in total; empty: unlimited": "Bruk totalt; tom: ubegrenset",
    "Usable for (seconds after a grant)": "Kan brukes i (sekunder etter tildeling)",
    "Periodic limit: per": "Periodisk grense: per",
    "no periodic limit": "ingen periodisk grense",
    "Periodic limit: uses": "Periodisk grense: bruk",
    "Store id": "Butikk-id",
    "Audience (member group id)": "Målgruppe (medlemsgruppe-id)",
    "Empty: every member": "Tom: alle medlemmer",
    "Campaign id": "Kampanje-id",
    "CMS tag ids": "CMS-etikett-id-er",
    "Separated by commas or spaces": "Skilt med komma eller mellomrom",
    "Button title": "Knappetekst",
    "Read-more URL": "Les mer-URL",
    "Read-more title": "Les mer-tittel",
    "Read-more text": "Les mer-tekst",
    "Modal text": "Tekst i dialogen",
    "Activation button": "Aktiveringsknapp",
    "Activation description": "Aktiveringsbeskrivelse",
    "Use at the counter": "Bruk i kassen",
    "A code is required to use the offer": "En kode kreves for å bruke tilbudet",
    "Code": "Kode",
    "Extras (JSON object)": "Ekstra (JSON-objekt)",
    "Files": "Filer",
    "From the offer's uploads (Files API): read-only here": (
        "Fra tilbudets opplastinger (Files API): kan ikke endres her"
    ),
    "Image template (JSON object)": "Bildemal (JSON-objekt)",
    "As the API takes it; empty: no image": "Slik API-et tar den; tom: ikke noe bilde",
    "Back to offers": "Tilbake til tilbudene",
    "Grant to members": "Tildel til medlemmer",
    "Member ids (separated by commas or spaces)": "Medlems-id-er (skilt med komma eller mellomrom)",
    "Grant": "Tildel",
    # the reports explorer
    "Every report of the Reporting API your role may read, run by the same engine. Days and hours are in {timezone}.": (
        "Alle rapportene i rapport-API-et rollen din kan lese, kjørt av samme motor. Dager og timer er i {timezone}."
    ),
    "choose a report": "velg en rapport",
    "Aggregation": "Aggregering",
    "Interval": "Intervall",
    "Run": "Kjør",
    "The report has no data for this query.": "Rapporten har ingen data for denne spørringen.",
    # image template preview
    "Preview the image": "Forhåndsvis bildet",
    "Image preview": "Forhåndsvisning av bildet",
    "Preview of the image template": "Forhåndsvisning av bildemalen",
    "Back to the offer": "Tilbake til tilbudet",
    "template": "mal",
}

CATALOGUES = {"no": NORWEGIAN}


def language_of(cookie: str | None, club: Any | None) -> str:
    """The page's language: the user's choice, else the club's default language if spoken, else English."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    if club is not None:
        spoken = ALIASES.get(str(getattr(club, "default_language", "") or "").lower())
        if spoken:
            return spoken
    return "en"


def translator(language: str) -> Callable[..., str]:
    catalogue = CATALOGUES.get(language, {})

    def gettext(text: str, **values: Any) -> str:
        translated = catalogue.get(text, text)
        return translated.format(**values) if values else translated

    return gettext
