"""Achievements (points for member events, within limits and calendar frequencies) and point multipliers."""
