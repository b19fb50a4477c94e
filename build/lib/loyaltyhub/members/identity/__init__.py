"""Member identity: how a member proves who they are (OAuth tokens, one-time passwords) and their push
devices; and the member context of Public API routes (:mod:`.dependencies`)."""
