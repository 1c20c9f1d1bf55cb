"""Errors a user can cause, reported as one clear line (file, key, expected, suggestion)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A mistake in the user's input: printed as one line, exit code 2, no traceback."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.suggestion = suggestion
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key) if p]
        head = ": ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text

    def located(self, file: str | None, line: int | None = None) -> UserError:
        """The same error with a file (and line) attached; the original is not changed."""
        return UserError(
            self.message,
            file=self.file or file,
            line=self.line or line,
            key=self.key,
            suggestion=self.suggestion,
        )


class UserErrors(Exception):
    """Several user errors found in one pass (all are reported, one line each)."""

    def __init__(self, errors: list[UserError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.one_line() for e in errors))


def closest(word: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The choice closest to `word` (difflib's ratio at least `cutoff`), or None."""
    close = difflib.get_close_matches(str(word), sorted({str(c) for c in choices}), n=1,
                                      cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A close-match suggestion, or the list of choices when nothing is close."""
    options = sorted({str(c) for c in choices})
    close = closest(word, options)
    if close:
        return f"did you mean '{close}'?"
    if options and len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    return None
