"""The points ledger and the routes that read or move points."""
