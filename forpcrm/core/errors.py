"""One error type for broken business rules, translated to a page message or a JSON body in one place each."""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the operation. Nothing was written."""

    status_code = 400

    def __init__(self, message: str, code: str = "invalid", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The record changed since the caller read it (stale version)."""

    status_code = 412

    def __init__(self, message: str, current: dict[str, Any] | None = None):
        super().__init__(message, code="version_conflict", extra={"current": current or {}})
        self.current = current or {}


class PermissionDeniedError(ApplicationError):
    status_code = 403

    def __init__(self, message: str, code: str = "permission_denied"):
        super().__init__(message, code=code)
