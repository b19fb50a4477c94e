"""Running loyaltyhub in production: logging, metrics, progress of long commands."""
