"""Public API › Loyalty Club: show and list loyalty clubs, the member schema of a club."""
