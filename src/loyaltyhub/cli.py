"""The ``loyaltyhub`` command line (SPEC §1). Every command takes ``--json``."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.orm import Session

from loyaltyhub.digits import decimal
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


def _fail(as_json: bool, message: str, details: Any = None) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": message, "details": details}), err=True)
    else:
        typer.echo(f"error: {message}" + (f" {json.dumps(details)}" if details else ""), err=True)
    raise typer.Exit(code=1)


def _settings(as_json: bool) -> Settings:
    """The settings, or a plain error (not a traceback) when they are refused, e.g. production with the
    default secret key."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        _fail(as_json, "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors()))


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
        with unit_of_work(engine, write=True, **{SESSION_KEY: build_services(settings)}) as session:
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
    from loyaltyhub.ops import server
    from loyaltyhub.ops.logging import configure_logging
    from loyaltyhub.ops.multiprocess import prepare_multiprocess_dir

    settings = _settings(as_json)  # refuses a weak secret key in production, before any worker starts
    configure_logging(settings)
    if workers > 1:
        prepare_multiprocess_dir(settings)
    _emit(as_json, {"url": f"http://{host}:{port}", "workers": workers}, f"serving on http://{host}:{port}")
    try:
        server.run("loyaltyhub.asgi:app", host=host, port=port, workers=workers, **server_options())
    except OSError as exc:  # the address is taken or not ours (several workers: bound before they start)
        _fail(as_json, f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def server_options() -> dict[str, Any]:
    """uvicorn's options for ``serve``. ``log_config=None``: the processes keep loyaltyhub's logging (JSON
    lines in production), and the access log is loyaltyhub's own (route templates, no query strings: they
    can carry personal data). ``http``: requests the HTTP parser refuses are answered in the house format
    (:mod:`loyaltyhub.http.protocol`)."""
    from loyaltyhub.http.protocol import HouseProtocol

    return {"log_config": None, "access_log": False, "http": HouseProtocol}


@app.command()
def migrate(as_json: JsonFlag = False) -> None:
    """Apply all database migrations."""
    from loyaltyhub.db.migrate import pending_revisions, upgrade
    from loyaltyhub.ops.progress import StepProgress

    settings = _settings(as_json)
    settings.ensure_local_dirs()
    pending = pending_revisions(settings.database_url)
    with StepProgress("migrate", len(pending)) as progress:
        for revision in pending:
            with progress.step(revision):
                upgrade(settings.database_url, revision)
    payload = {"migrated": True, "applied": pending, "database_url": _safe_url(settings.database_url)}
    _emit(as_json, payload, f"database migrated ({len(pending)} revisions applied)")


@app.command()
def worker(
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve the jobs' Prometheus metrics on this port (/metrics)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the background jobs (snapshots, exports) without serving HTTP."""
    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.ops.logging import configure_logging
    from loyaltyhub.wiring import build_services
    from loyaltyhub.worker import BackgroundWorker

    settings = _settings(as_json)
    configure_logging(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    _emit(as_json, {"worker": "started", "metrics_port": metrics_port}, "worker started")
    BackgroundWorker(settings, make_engine(settings.database_url), build_services(settings)).run_forever()


@app.command()
def demo(
    members: Annotated[int, typer.Option(help="Members in the main demo club")] = 2000,
    days: Annotated[int, typer.Option(help="Days of history (offer uses, events)")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data")] = 42,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when a club exists")] = False,
    unless_prod: Annotated[
        bool, typer.Option("--unless-prod", help="With LOYALTYHUB_ENV=prod, do nothing (make run uses it)")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Load deterministic, realistic demo data and print working credentials."""
    settings = _settings(as_json)
    if settings.env == "prod":
        # The demo has a staff admin with a published password: never in production.
        if unless_prod:
            _emit(as_json, {"loaded": False, "reason": "production"}, "production: no demo data loaded")
            return
        _fail(as_json, "refusing to load demo data with LOYALTYHUB_ENV=prod (its admin has a published password)")
    if importlib.util.find_spec("faker") is None:  # an extra: production images do without it
        _fail(as_json, "the demo needs the demo extra: pip install 'loyaltyhub[demo]' (or make install)")
    from loyaltyhub.demo import DEMO_STEPS, DemoOptions, database_is_empty, load_demo
    from loyaltyhub.ops.progress import StepProgress

    with _handled(as_json), _session(settings) as session:
        if if_empty and not database_is_empty(session):
            _emit(as_json, {"loaded": False}, "demo data already present; nothing loaded")
            return
        with StepProgress("demo", len(DEMO_STEPS)) as progress:
            options = DemoOptions(members=members, days=days, seed=seed)
            credentials = load_demo(session, options, progress=progress)
    from loyaltyhub.devinfo import write_credentials

    write_credentials(credentials)
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
    community_id: Annotated[int | None, typer.Option(help="The vendor's community id of the club")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a loyalty club."""
    from loyaltyhub.clubs.schemas import ClubOut
    from loyaltyhub.clubs.service import create_club

    with _handled(as_json), _session(_settings(as_json)) as session:
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
            community_id=community_id,
        )
        out = ClubOut.model_validate(club).model_dump(mode="json")
    _emit(as_json, out, f"created loyalty club {out['slug']} (id {out['id']})")


@clubs_app.command("set-community-id")
def clubs_set_community_id(
    slug: Annotated[str, typer.Option(help="The club's slug")],
    community_id: Annotated[int | None, typer.Option(help="The vendor's community id; leave out to clear")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set the vendor's community id of a club (Show Loyalty Club by community id)."""
    from loyaltyhub.clubs.schemas import ClubOut
    from loyaltyhub.clubs.service import club_by_slug, set_community_id
    from loyaltyhub.errors import NotFound

    with _handled(as_json), _session(_settings(as_json)) as session:
        club = club_by_slug(session, slug)
        if club is None:
            raise NotFound(f"Loyalty club {slug} not found")
        set_community_id(session, club, community_id)
        out = ClubOut.model_validate(club).model_dump(mode="json")
    _emit(as_json, out, f"loyalty club {slug}: community id {community_id}")


@clubs_app.command("list")
def clubs_list(as_json: JsonFlag = False) -> None:
    """List the loyalty clubs."""
    from sqlalchemy import select

    from loyaltyhub.clubs.models import LoyaltyClub
    from loyaltyhub.clubs.schemas import ClubOut

    with _handled(as_json), _session(_settings(as_json)) as session:
        clubs = session.execute(select(LoyaltyClub).order_by(LoyaltyClub.id)).scalars()
        rows = [ClubOut.model_validate(club).model_dump(mode="json") for club in clubs]
    _emit_rows(as_json, "clubs", rows, ("id", "slug", "name", "timezone", "country"))


@tokens_app.command("create")
def tokens_create(
    club: Annotated[list[str] | None, typer.Option("--club", help="Club slug (repeatable)")] = None,
    organization: Annotated[str | None, typer.Option(help="Organization name")] = None,
    is_global: Annotated[bool, typer.Option("--global", help="Valid for every club")] = False,
    permit: Annotated[list[str] | None, typer.Option("--permit", help="Permit (repeatable)")] = None,
    all_permits: Annotated[bool, typer.Option("--all-permits", help="Every known permit")] = False,
    app_permits: Annotated[
        bool, typer.Option("--app-permits", help="Every permit a member app may hold (not BL:Api:Members:ActAs)")
    ] = False,
    product_name: Annotated[str | None, typer.Option(help="Product name of the integration")] = None,
    name: Annotated[str, typer.Option(help="Label of the token")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Create a client token (shown once)."""
    from loyaltyhub.auth.permits import all_permits as known_permits
    from loyaltyhub.auth.permits import app_permits as member_app_permits
    from loyaltyhub.auth.service import create_client_token

    if sum([bool(permit), all_permits, app_permits]) != 1:
        _fail(as_json, "give --permit (repeatable), --all-permits or --app-permits")
    if all_permits:
        permits = [p.name for p in known_permits()]
    elif app_permits:
        permits = member_app_permits()
    else:
        permits = list(permit or [])
    with _handled(as_json), _session(_settings(as_json)) as session:
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


@tokens_app.command("list")
def tokens_list(as_json: JsonFlag = False) -> None:
    """List client tokens (never their secrets), revoked ones included."""
    from loyaltyhub.auth.service import list_client_tokens

    with _handled(as_json), _session(_settings(as_json)) as session:
        rows = [
            {
                "id": token.id,
                "public_id": token.public_id,
                "name": token.name,
                "product_name": token.product_name,
                "scope": "global" if token.is_global else "organization" if token.organization_id else "clubs",
                "club_ids": club_ids,
                "organization_id": token.organization_id,
                "permits": len(token.permits),
                "created_at": token.created_at.isoformat(),
                "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            }
            for token, club_ids in list_client_tokens(session)
        ]
    _emit_rows(as_json, "tokens", rows, ("id", "public_id", "name", "scope", "permits", "revoked_at"))


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id or public id (see tokens list)")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a client token. Other server processes stop accepting it within client_token_cache_seconds."""
    from sqlalchemy import or_, select

    from loyaltyhub.auth.models import ClientToken
    from loyaltyhub.auth.service import revoke_client_token

    with _handled(as_json), _session(_settings(as_json)) as session:
        condition = ClientToken.public_id == token_id
        if (number := decimal(token_id)) is not None:
            condition = or_(condition, ClientToken.id == number)
        token = session.execute(select(ClientToken).where(condition)).scalars().first()
        if token is None:
            _fail(as_json, f"no client token {token_id}")
        revoked = revoke_client_token(session, token.public_id)
        payload = {"id": token.id, "public_id": token.public_id, "revoked": revoked}
    _emit(as_json, payload, f"client token {token_id} " + ("revoked" if revoked else "was already revoked"))


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

    with _handled(as_json), _session(_settings(as_json)) as session:
        user = create_user(
            session, email=email, password=password, role=role, club_slugs=club or [], organization=organization
        )
        payload = {"id": user.id, "email": user.email, "role": role}
    _emit(as_json, payload, f"user {payload['email']} (id {payload['id']}) has role {role}")


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """List staff users and their roles."""
    from loyaltyhub.auth.service import list_users

    with _handled(as_json), _session(_settings(as_json)) as session:
        rows = [
            {
                "id": user.id,
                "email": user.email,
                "roles": [
                    {
                        "role": role.role,
                        "loyalty_club_id": role.loyalty_club_id,
                        "organization_id": role.organization_id,
                    }
                    for role in roles
                ],
                "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None,
            }
            for user, roles in list_users(session)
        ]
    for row in rows:
        row["role_names"] = ",".join(sorted({role["role"] for role in row["roles"]}))
    _emit_rows(as_json, "users", rows, ("id", "email", "role_names", "disabled_at"))


@users_app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument(help="The user's login e-mail")],
    as_json: JsonFlag = False,
) -> None:
    """Disable a staff user: sign-in refused and every access token of theirs deleted."""
    from loyaltyhub.auth.service import disable_user

    with _handled(as_json), _session(_settings(as_json)) as session:
        user = disable_user(session, email)
        if user is None:
            _fail(as_json, f"no user {email}")
        payload = {"id": user.id, "email": user.email, "disabled_at": user.disabled_at}
    _emit(as_json, payload, f"user {payload['email']} disabled")


def _emit_rows(as_json: bool, key: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """``{key: rows}`` as JSON, else a plain table of ``columns``."""
    if as_json:
        typer.echo(json.dumps({key: rows}, default=str, indent=2))
        return
    table = [[("" if row.get(column) is None else str(row.get(column))) for column in columns] for row in rows]
    widths = [max([len(column), *(len(line[i]) for line in table)]) for i, column in enumerate(columns)]
    typer.echo("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip())
    for line in table:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    if not rows:
        typer.echo(f"(no {key})")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:  # pragma: no cover
    sys.exit(app())
