"""Messaging: messages and their channels, templates, sender identities, sendings and their dispatches."""
