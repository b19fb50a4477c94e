"""Report declarations, one module per area."""
