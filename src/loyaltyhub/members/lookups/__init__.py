"""Management API lookups of members: by e-mail or MSISDN, public info, a member's groups, validation."""
