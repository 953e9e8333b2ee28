"""Refusals every layer raises and every page and command reads: each carries sentences for the
user (`reasons`), never a bare code."""
from pipeline.base.i18n import lazy_gettext as _l

CASE_CHANGED = _l("This case has changed in the meantime (someone else acted on it). "
                  "Please reload the page and check before acting again.")


class ActError(Exception):
    """An act that was refused; `reasons` are sentences for the user."""

    def __init__(self, *reasons):
        super().__init__(*reasons)
        self.reasons = list(reasons)


class CaseNotFound(ActError):
    """Not there, or outside the user's scope: both look the same from outside (404)."""


class CaseChanged(ActError):
    """Someone else changed the case since the user saw it (or acted at the same moment)."""

    def __init__(self):
        super().__init__(CASE_CHANGED)


class NotPermitted(ActError):
    """The user's role may not do this (403)."""


class ActBlocked(ActError):
    """The rules refuse the act as asked: the reasons say what is missing."""
