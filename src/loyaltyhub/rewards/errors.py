"""The rewards program's errors, with the vendor's strings (reference (a).3, (a).8, (a).11)."""

from __future__ import annotations

from loyaltyhub.errors import ApiError, NotFound, NotPossible, UnprocessableEntity


class NotParticipating(ApiError):
    """480: every member action of the program needs the member to have joined it."""

    status_code = 480
    default_message = "Member is not participating in Rewards Program"


class NotEnoughPoints(UnprocessableEntity):
    default_message = "Not enough points"


class LevelTooLow(UnprocessableEntity):
    default_message = "Member level is not high enough"


class GlobalLimitExceeded(UnprocessableEntity):
    """No stock left."""

    default_message = "Global limit exceeded"


class UserLimitExceeded(UnprocessableEntity):
    """The member's purchases of the reward (or the uses of them) are all taken."""

    default_message = "User limit exceeded"


class AlreadyActive(UnprocessableEntity):
    default_message = "Already active"


class NotGranted(UnprocessableEntity):
    """The member has not purchased the reward."""

    default_message = "Not granted"


class ProgramDisabled(ApiError):
    """402 (reference (a).14): the club has no rewards program, or has switched it off."""

    status_code = 402
    default_message = "Feature is not enabled for the Loyalty Club"


class TransactionNotFound(NotFound):
    default_message = "Transaction not found"


class CannotCancel(NotPossible):
    default_message = "Transaction cannot be cancelled"


def reward_not_found(reward_id: int) -> NotFound:
    return NotFound(f"Reward#{reward_id} not found")
