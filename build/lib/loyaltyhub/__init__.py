"""loyaltyhub: a self-hostable loyalty-club platform (management, public member and reporting APIs)."""

__version__ = "0.1.0"
