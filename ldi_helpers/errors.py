"""Errors and warnings raised by the workbench.

Every problem a user can cause (bad file, unknown region, misspelt parameter) is raised as an
:class:`LDIError` whose message names the problem *and* the fix. The command line turns it into one
line on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations


class LDIError(Exception):
    """A problem with the user's input or the data, with a message that says how to fix it."""


class DataValidationError(LDIError):
    """A curated data file is missing, malformed or fails its schema."""


class SpecError(LDIError):
    """A methodology specification or scenario has an unknown or invalid field."""


class UnknownAreaError(LDIError):
    """An area name or code is not one of the known areas."""


class LDIWarning(UserWarning):
    """A warning issued by the workbench (turned into an error under the test suite)."""


class Interrupted(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) turned into the same clean stop as Ctrl-C (SIGINT).

    Attributes
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int):
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum
