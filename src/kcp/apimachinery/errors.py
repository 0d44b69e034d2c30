"""Kubernetes Status errors: each class knows its HTTP code and reason.

Anything that can fail for a client raises one of these; the outermost server filter renders it as a
`Status` object. A bare exception reaching the HTTP layer is a bug (a 500).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self


@dataclass(frozen=True, slots=True)
class Cause:
    """One field-level cause (`details.causes[]`)."""

    type: str  # FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, ...
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.type, "message": self.message} if self.type else {"message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class StatusError(Exception):
    """For the client; the outermost filter renders it as a Status."""

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        causes: list[Cause] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes or []
        self.retry_after = retry_after

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        if details:
            status["details"] = details
        if not self.reason:
            del status["reason"]
        return status


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


class BadRequest(StatusError):
    code, reason = 400, "BadRequest"


class Unauthorized(StatusError):
    code, reason = 401, "Unauthorized"


class Forbidden(StatusError):
    code, reason = 403, "Forbidden"


class NotFound(StatusError):
    code, reason = 404, "NotFound"

    @classmethod
    def object(cls, resource: str, group: str, name: str) -> Self:
        return cls(f'{_qualified(resource, group)} "{name}" not found', name=name, group=group, kind=resource)


class MethodNotAllowed(StatusError):
    code, reason = 405, "MethodNotAllowed"


class NotAcceptable(StatusError):
    code, reason = 406, "NotAcceptable"


class AlreadyExists(StatusError):
    code, reason = 409, "AlreadyExists"

    @classmethod
    def object(cls, resource: str, group: str, name: str) -> Self:
        return cls(
            f'{_qualified(resource, group)} "{name}" already exists', name=name, group=group, kind=resource
        )


class Conflict(StatusError):
    code, reason = 409, "Conflict"

    @classmethod
    def object(cls, resource: str, group: str, name: str, why: str) -> Self:
        return cls(
            f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
            name=name,
            group=group,
            kind=resource,
        )


class Gone(StatusError):
    code, reason = 410, "Gone"


class Expired(StatusError):
    code, reason = 410, "Expired"

    def __init__(self, message: str, *, continue_token: str = "") -> None:
        """`continue_token`: where an expired list may go on from, inconsistently (kube's Status
        carries it in its list metadata)."""
        super().__init__(message)
        self.continue_token = continue_token

    def to_status(self) -> dict[str, Any]:
        status = super().to_status()
        if self.continue_token:
            status["metadata"] = {"continue": self.continue_token}
        return status


class RequestEntityTooLarge(StatusError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(StatusError):
    code, reason = 422, "Invalid"

    @classmethod
    def object(cls, kind: str, group: str, name: str, causes: list[Cause]) -> Self:
        # kube's aggregate of field errors: duplicates once, several in brackets
        messages = list(dict.fromkeys(f"{c.field}: {c.message}" if c.field else c.message for c in causes))
        detail = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
        return cls(
            f'{kind}.{group} "{name}" is invalid: {detail}'
            if group
            else f'{kind} "{name}" is invalid: {detail}',
            name=name,
            group=group,
            kind=kind,
            causes=causes,
        )


class TooManyRequests(StatusError):
    code, reason = 429, "TooManyRequests"


class InternalError(StatusError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(StatusError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(StatusError):
    code, reason = 504, "Timeout"


BY_CODE: dict[int, type[StatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Expired,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    503: ServiceUnavailable,
    504: Timeout,
}


def for_code(code: int) -> type[StatusError]:
    """The class for an HTTP code read off the wire (a 409 is Conflict unless the reason says otherwise)."""
    return BY_CODE.get(code, InternalError)
