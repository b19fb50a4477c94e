"""The ``loyaltyhub`` command line (SPEC §1). Every command takes ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from loyaltyhub.settings import Settings

app = typer.Typer(help="loyaltyhub: loyalty-club platform", no_args_is_help=True, add_completion=False)
clubs_app = typer.Typer(help="Loyalty clubs", no_args_is_help=True)
tokens_app = typer.Typer(help="Client tokens", no_args_is_help=True)
users_app = typer.Typer(help="Staff users", no_args_is_help=True)
app.add_typer(clubs_app, name="clubs")
app.add_typer(tokens_app, name="tokens")
app.add_typer(users_app, name="users")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    typer.echo(json.dumps(payload, default=str, indent=2) if as_json else text)


def _fail(as_json: bool, message: str, details: Any = None) -> None:
    if as_json:
        typer.echo(json.dumps({"error": message, "details": details}), err=True)
    else:
        typer.echo(f"error: {message}" + (f" {json.dumps(details)}" if details else ""), err=True)
    raise typer.Exit(code=1)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """One write transaction with the platform's services bound (a command changes data as the app does)."""
    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.db.session import unit_of_work
    from loyaltyhub.services import SESSION_KEY
    from loyaltyhub.wiring import build_services

    settings.ensure_local_dirs()
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine, write=True, **{SESSION_KEY: build_services()}) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def _handled(as_json: bool) -> Iterator[None]:
    from loyaltyhub.errors import ApiError

    try:
        yield
    except ApiError as exc:
        _fail(as_json, exc.message, exc.extra.get("details"))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Serve the HTTP API (and, by default, the background worker)."""
    import uvicorn

    _emit(as_json, {"url": f"http://{host}:{port}", "workers": workers}, f"serving on http://{host}:{port}")
    uvicorn.run("loyaltyhub.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def migrate(as_json: JsonFlag = False) -> None:
    """Apply all database migrations."""
    from loyaltyhub.db.migrate import upgrade

    settings = Settings()
    settings.ensure_local_dirs()
    upgrade(settings.database_url)
    _emit(as_json, {"migrated": True, "database_url": _safe_url(settings.database_url)}, "database migrated")


@app.command()
def worker(as_json: JsonFlag = False) -> None:
    """Run the background jobs (snapshots, exports) without serving HTTP."""
    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.wiring import build_services
    from loyaltyhub.worker import BackgroundWorker

    settings = Settings()
    _emit(as_json, {"worker": "started"}, "worker started")
    BackgroundWorker(settings, make_engine(settings.database_url), build_services()).run_forever()


@app.command()
def demo(
    members: Annotated[int, typer.Option(help="Members in the main demo club")] = 2000,
    days: Annotated[int, typer.Option(help="Days of history (offer uses, events)")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data")] = 42,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when a club exists")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Load deterministic, realistic demo data and print working credentials."""
    from loyaltyhub.demo import DemoOptions, database_is_empty, load_demo

    settings = Settings()
    with _handled(as_json), _session(settings) as session:
        if if_empty and not database_is_empty(session):
            _emit(as_json, {"loaded": False}, "demo data already present; nothing loaded")
            return
        credentials = load_demo(session, DemoOptions(members=members, days=days, seed=seed))
    from loyaltyhub.devinfo import CREDENTIALS_FILE

    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS_FILE.write_text(json.dumps(credentials, indent=2, default=str))
    lines = ["Demo data loaded. Credentials:"]
    lines += [f"  {key}: {value}" for key, value in credentials.items()]
    _emit(as_json, {"loaded": True, "credentials": credentials}, "\n".join(lines))


@clubs_app.command("create")
def clubs_create(
    slug: Annotated[str, typer.Option(help="URL slug, e.g. infinity-mall")],
    name: Annotated[str, typer.Option(help="Display name")],
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Europe/Oslo")],
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2")] = None,
    default_language: Annotated[str, typer.Option(help="Default language tag")] = "en",
    languages: Annotated[str | None, typer.Option(help="Comma-separated language tags")] = None,
    chain: Annotated[str | None, typer.Option(help="Chain name")] = None,
    organization: Annotated[str | None, typer.Option(help="Organization name")] = None,
    offer_active_seconds: Annotated[int, typer.Option(help="Active window after a use")] = 900,
    as_json: JsonFlag = False,
) -> None:
    """Create a loyalty club."""
    from loyaltyhub.clubs.schemas import ClubOut
    from loyaltyhub.clubs.service import create_club

    with _handled(as_json), _session(Settings()) as session:
        club = create_club(
            session,
            slug=slug,
            name=name,
            timezone=timezone,
            country=country,
            default_language=default_language,
            languages=[lang.strip() for lang in languages.split(",")] if languages else None,
            chain=chain,
            organization=organization,
            offer_active_seconds=offer_active_seconds,
        )
        out = ClubOut.model_validate(club).model_dump(mode="json")
    _emit(as_json, out, f"created loyalty club {out['slug']} (id {out['id']})")


@tokens_app.command("create")
def tokens_create(
    club: Annotated[list[str] | None, typer.Option("--club", help="Club slug (repeatable)")] = None,
    organization: Annotated[str | None, typer.Option(help="Organization name")] = None,
    is_global: Annotated[bool, typer.Option("--global", help="Valid for every club")] = False,
    permit: Annotated[list[str] | None, typer.Option("--permit", help="Permit (repeatable)")] = None,
    all_permits: Annotated[bool, typer.Option("--all-permits", help="Every known permit")] = False,
    product_name: Annotated[str | None, typer.Option(help="Product name of the integration")] = None,
    name: Annotated[str, typer.Option(help="Label of the token")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Create a client token (shown once)."""
    from loyaltyhub.auth.permits import all_permits as known_permits
    from loyaltyhub.auth.service import create_client_token

    if bool(permit) == all_permits:
        _fail(as_json, "give --permit (repeatable) or --all-permits")
    permits = [p.name for p in known_permits()] if all_permits else list(permit or [])
    with _handled(as_json), _session(Settings()) as session:
        issued = create_client_token(
            session,
            name=name,
            permits=permits,
            club_slugs=club or [],
            organization=organization,
            is_global=is_global,
            product_name=product_name,
        )
        payload = {"token": issued.token, "id": issued.record.id, "permits": issued.record.permits}
    _emit(as_json, payload, f"client token (shown once): {payload['token']}")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login e-mail")],
    password: Annotated[str, typer.Option(help="Password (min. 8 characters)")],
    role: Annotated[str, typer.Option(help="admin | offers_manager | analyst")],
    club: Annotated[list[str] | None, typer.Option("--club", help="Club slug (repeatable)")] = None,
    organization: Annotated[str | None, typer.Option(help="Organization name")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a staff user (or add a role to an existing one)."""
    from loyaltyhub.auth.service import create_user

    with _handled(as_json), _session(Settings()) as session:
        user = create_user(
            session, email=email, password=password, role=role, club_slugs=club or [], organization=organization
        )
        payload = {"id": user.id, "email": user.email, "role": role}
    _emit(as_json, payload, f"user {payload['email']} (id {payload['id']}) has role {role}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:  # pragma: no cover
    sys.exit(app())
