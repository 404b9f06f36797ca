"""One exception hierarchy: permanent errors fail an asset, transient ones are retried.

Nothing here knows HTTP: ``api/errors.py`` maps these types to status codes."""

from __future__ import annotations


class MamError(Exception):
    """Base of every error the product raises on purpose."""


class PermanentError(MamError):
    """Retrying cannot help (bad media, refused input). The asset fails with this message."""


class InvalidMedia(PermanentError):
    """The file is not media we can read, or is refused by the probe gate."""


class MediaProcessingError(PermanentError):
    """ffmpeg failed on a file that probed fine (decoder error, broken bitstream)."""


class MediaTimeout(PermanentError):
    """ffmpeg or ffprobe ran past its time limit and was killed."""


class TransientError(MamError):
    """Worth retrying with backoff: storage or broker briefly unavailable."""


class StorageUnavailable(TransientError):
    """The object store did not answer or answered with a server error."""


class Cancelled(MamError):
    """Someone cancelled the work while it ran (an export); neither a failure nor worth a retry."""


class NotFound(MamError):
    """A catalog record or stored object does not exist."""


class InvalidInput(MamError):
    """A request the product refuses (bad name, size, part, checksum); the message says why."""


class ChecksumRequired(InvalidInput):
    """A part arrived without a checksum to verify it by."""


class Gone(InvalidInput):
    """The upload session expired, was aborted or is already completed."""


class Conflict(InvalidInput):
    """The request does not fit the current state (e.g. completing with parts missing)."""


class TooLarge(InvalidInput):
    """Over a configured size limit."""


class UnsupportedMedia(InvalidInput):
    """The content is not a media type the product accepts."""


class Unauthenticated(MamError):
    """No credentials, or credentials that are wrong, expired, revoked or belong to a disabled user."""


class Forbidden(MamError):
    """Signed in, but the role (or ownership) does not allow this; the message names what is needed."""


class TooManyAttempts(MamError):
    """Too many failed sign-ins for one name; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
