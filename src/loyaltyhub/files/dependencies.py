"""The app's file storage and limits, for the routes that read or write files."""

from __future__ import annotations

from fastapi import Request

from loyaltyhub.files import service
from loyaltyhub.storage import Storage


def storage_of(request: Request) -> Storage:
    """The app's storage of uploaded files (``LOYALTYHUB_FILES_DIR`` or ``LOYALTYHUB_FILES_STORAGE_URL``), made
    once per app."""
    storage = getattr(request.app.state, "file_storage", None)
    if storage is None:
        storage = request.app.state.file_storage = request.app.state.settings.uploaded_files()
    return storage


def limits_of(request: Request) -> service.Limits:
    settings = request.app.state.settings
    return service.Limits(max_file_bytes=settings.file_max_bytes, max_part_bytes=settings.file_part_max_bytes)
