"""The refusals services make, in the domain's words.

Each carries a message for people and a code for programs; its class says what kind of refusal it
is. Services never speak HTTP: ``libread_tts.errors`` turns each kind into a status code and the
error shape at the edge.
"""


class DomainError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidInput(DomainError):
    """The request itself is wrong: fix it before sending it again."""


class NotFound(DomainError):
    """No such thing, or not the caller's: the two are not told apart."""


class Conflict(DomainError):
    """The thing is in a state that does not allow this now."""


class TooLarge(DomainError):
    """Over a size limit."""


class OverBudget(DomainError):
    """The account's budget does not cover it."""


class LimitReached(DomainError):
    """The account is doing too much at once; later it may."""


class NotConfigured(DomainError):
    """The service is not set up for this; an operator must act."""
