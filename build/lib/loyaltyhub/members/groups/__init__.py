"""Member groups: named sets of members, managed by the staff (lists, programs, offer audiences)."""
