"""Receipts: members submit receipts, staff accept or reject them, an acceptance earns points once."""
