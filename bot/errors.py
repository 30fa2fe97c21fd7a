"""The one exception tree of supportbot.

Every error the product raises on purpose is a ``SupportBotError``. Each carries a ``hint``:
the one thing the operator should do about it (usually a command to run). Boundaries map
these once: the CLI prints ``error: <message> (<hint>)`` and exits non-zero, actions
apologise to the customer and offer a person, the web layer maps them to status codes.
"""

from __future__ import annotations


class SupportBotError(Exception):
    """Base class of every error supportbot raises on purpose."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigurationError(SupportBotError):
    """A setting, an environment variable or a configuration file is invalid."""


class BusinessFactsError(ConfigurationError):
    """The business-facts file (hours, contacts, policies) is missing or invalid."""


class KnowledgeBaseError(SupportBotError):
    """The knowledge-base sources (articles, CSV) are invalid."""


class SearchIndexError(KnowledgeBaseError):
    """Base for problems with a built search index."""


class IndexMissingError(SearchIndexError):
    """No index has been built where one was expected."""


class IndexStaleError(SearchIndexError):
    """The index was built from other content or another model than the current ones."""


class EmbeddingModelError(SupportBotError):
    """The sentence-embedding model cannot be found or loaded."""


class RasaModelError(SupportBotError):
    """The Rasa model is missing or training it failed."""


class ServiceError(SupportBotError):
    """A service the product starts (Rasa, action server) failed or did not come up."""


class RasaRefusedError(ServiceError):
    """The Rasa server answered, but refused the request (an HTTP error status)."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status, self.body = status, body


class SentimentModelError(SupportBotError):
    """The sentiment model is missing, stale or cannot be loaded."""


class SentimentDataError(SentimentModelError):
    """A labelled sentiment file cannot be read."""


class HandoffError(SupportBotError):
    """The handoff to a person could not be done as asked."""


class HandoffTransitionError(HandoffError):
    """An action that the handoff's current status does not allow (or someone was faster)."""


class AuthenticationError(SupportBotError):
    """Wrong user name or password, or no valid session."""


class SignInLimitError(AuthenticationError):
    """Too many failed sign-ins for this name or from this address: wait, then try again."""


class HandoffNotFoundError(HandoffError):
    """No handoff with that id."""


class StorageError(SupportBotError):
    """A database cannot be reached or read, or its schema is not the one this code needs."""
