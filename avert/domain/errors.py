"""The errors the domain raises for input a person can correct."""

from __future__ import annotations


class ValidationError(ValueError):
    """A value a person entered or a system sent is not acceptable.

    `field` names the input (as the API and the forms name it) and `message` says what is wrong
    in words a coordinator can act on. Messages never repeat the rejected value, so that they can
    be logged and shown without leaking patient data.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransitionError(ValueError):
    """A lifecycle change that is not allowed from the referral's current state."""

    def __init__(self, message: str, *, current: str, requested: str) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
        self.requested = requested
