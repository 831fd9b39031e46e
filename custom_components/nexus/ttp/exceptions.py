"""Exceptions raised by the Trusted Traveler Programs scheduler client."""


class TTPError(Exception):
    """Base class of every error the client raises."""

    # Seconds the server asked to wait before the next request (a refusal's Retry-After).
    retry_after: int | None = None


class TTPConnectionError(TTPError):
    """The scheduler could not be reached (DNS, refused, reset)."""


class TTPTimeoutError(TTPConnectionError):
    """The scheduler did not answer within the request timeout."""


class TTPRefusedError(TTPError):
    """The scheduler refused to answer; `retry_after` is its Retry-After, in seconds."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        """Keep the server's Retry-After so the caller can wait that long."""
        super().__init__(message)
        self.retry_after = retry_after


class TTPRateLimitedError(TTPRefusedError):
    """HTTP 429: too many requests."""


class TTPBlockedError(TTPRefusedError):
    """HTTP 403: the scheduler blocks this client (often after polling too hard)."""


class TTPServerError(TTPError):
    """HTTP 5xx: the scheduler failed."""

    def __init__(self, status: int) -> None:
        """Keep the status code."""
        super().__init__(f"The scheduler answered HTTP {status}")
        self.status = status


class TTPResponseError(TTPError):
    """The scheduler answered something that is not a usable response."""


class TTPResponseTooLargeError(TTPResponseError):
    """The body was larger than the client accepts."""


class TTPParseError(TTPResponseError):
    """The body is JSON but not of the shape the scheduler sends; `field` names what failed."""

    def __init__(self, field: str, problem: str) -> None:
        """Name the field in the message so logs say what drifted."""
        super().__init__(f"Field {field!r}: {problem}")
        self.field = field
        self.problem = problem


class TTPNoCentresError(TTPResponseError):
    """The scheduler listed no centre of the program: it never has, so it is a glitch."""
