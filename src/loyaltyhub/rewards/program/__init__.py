"""The rewards program of a club and its members' memberships."""
