"""The console's scripts and styles, served by the app from the package (``/console/static``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from loyaltyhub.console.pages import STATIC_URL

STATIC_DIR = Path(str(files("loyaltyhub.console") / "static"))


def install_static(app: FastAPI) -> None:
    """Mount the files before the routes: ``/console/{club}/...`` pages never see ``/console/static/...``."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="console-static")
