"""ASGI entry point for servers: ``uvicorn loyaltyhub.asgi:app``."""

from loyaltyhub.app import create_app

app = create_app()
