"""Member account flows (Public API): channel verification, password reset and password change."""
