"""One error hierarchy. Each error carries its HTTP status; one handler renders ``{"error": ...}``."""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = "Bad request"

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class BadRequest(ApiError):
    status_code = 400
    default_message = "Bad request"


class Unauthorized(ApiError):
    status_code = 401
    default_message = "Unauthorized"


class Forbidden(ApiError):
    status_code = 403
    default_message = "Forbidden"


class MissingPermit(Forbidden):
    def __init__(self, permit: str) -> None:
        super().__init__(f"Missing permit {permit}")


class NotFound(ApiError):
    status_code = 404
    default_message = "Not found"


class NotPossible(ApiError):
    """405: the action is not possible on this resource (reference B.2)."""

    status_code = 405
    default_message = "Action not possible on this resource"


class Conflict(ApiError):
    status_code = 409
    default_message = "Conflict"


class PayloadTooLarge(ApiError):
    status_code = 413
    default_message = "Request body too large"


class UnprocessableEntity(ApiError):
    """422 with a plain message, e.g. a business rule such as ``Not granted``."""

    status_code = 422
    default_message = "Unprocessable entity"


class ValidationFailed(ApiError):
    """422 ``Invalid parameters`` with the recursive details tree of reference B.7."""

    status_code = 422

    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__("Invalid parameters", details=details)

    @classmethod
    def at(cls, path: tuple[str | int, ...] | list[str | int], symbol: str, **options: Any) -> ValidationFailed:
        """A single error at ``path``: ``ValidationFailed.at(("properties", "msisdn"), "invalid_msisdn")``."""
        return cls(details_tree([(tuple(path), symbol, options)]))


class RateLimited(ApiError):
    status_code = 429
    default_message = "Too many requests"


class MemberTokenInvalid(ApiError):
    status_code = 460
    default_message = "Invalid or expired access token"


class InvalidCredentials(ApiError):
    status_code = 461
    default_message = "Invalid credentials"


class InvalidRefreshToken(ApiError):
    status_code = 462
    default_message = "Invalid or expired refresh token"


class MemberBanned(ApiError):
    status_code = 467
    default_message = "Member is banned!"


class MissingHeader(ApiError):
    status_code = 470

    def __init__(self, header: str) -> None:
        super().__init__(f"Missing required header {header}")


class MalformedHeader(ApiError):
    status_code = 471

    def __init__(self, header: str, reason: str = "") -> None:
        super().__init__(f"Malformed header {header}" + (f": {reason}" if reason else ""))


class ServiceUnavailable(ApiError):
    status_code = 503
    default_message = "Service unavailable"


def details_tree(errors: list[tuple[tuple[str | int, ...], str, dict[str, Any]]]) -> dict[str, Any]:
    """Build the B.7 details tree: nested objects mirroring the payload, leaves are error lists.

    Array items are keyed by their index as a string. An error on the payload itself (empty path)
    is filed under ``"base"``.
    """
    tree: dict[str, Any] = {}
    for path, symbol, options in errors:
        keys = [str(part) for part in path] or ["base"]
        node = tree
        for key in keys[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {} if child is None else {"base": child}
                node[key] = child
            node = child
        leaf = node.setdefault(keys[-1], [])
        if isinstance(leaf, dict):
            leaf = leaf.setdefault("base", [])
        leaf.append({"error": symbol, "options": options})
    return tree
