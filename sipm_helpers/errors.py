"""Errors the package raises on bad input: each says which file, where and why."""

from __future__ import annotations


class SipmError(Exception):
    """Base class of the errors users are meant to read (the CLI prints them, exit 2).
    ``said``: what the error says as a label key and its values (config.labels.refusal),
    for the command line to word it in its language; None: English only."""

    said = None


class ParameterError(SipmError):
    """A parameter file (YAML in parameters/) is malformed or inconsistent."""

    def __init__(self, file: str, location: str, message: str) -> None:
        self.file, self.location, self.message = str(file), location, message
        where = f"{self.file}: {location}" if location else self.file
        super().__init__(f"{where}: {message}")


class DataError(SipmError):
    """A dataset failed validation; ``report`` holds every finding."""

    def __init__(self, report) -> None:  # report: sipm_helpers.data.validation.ValidationReport
        self.report = report
        super().__init__(report.summary())


class BatchInterrupted(SipmError):
    """A batch was stopped with Ctrl-C: what ran is recorded; the same command resumes."""
