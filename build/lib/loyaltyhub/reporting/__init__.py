"""Reporting API. Importing the package registers the member change listener (grouped counts, balance)."""

from loyaltyhub.reporting import models as _models  # noqa: F401
