"""All of jinshu's exceptions, under one root.

Each error carries structured entries (where, what, in Chinese and English) as well as its text,
so that the CLI, the API and the web show every problem at once, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorEntry:
    """One problem: where it is and what it is.

    Attributes:
        location: a field path (``records[0].contract_amount``) or ``file:line`` of a policy file.
        message_zh: the problem in Chinese.
        message_en: the problem in English.
        value: the rejected value, quoted, when there is one.
    """

    location: str
    message_zh: str
    message_en: str
    value: str | None = None

    def __str__(self) -> str:
        quoted = f" (got {self.value})" if self.value is not None else ""
        return f"{self.location}: {self.message_zh} ({self.message_en}){quoted}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "field": self.location,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "value": self.value,
        }


@dataclass
class JinshuError(Exception):
    """Root of every jinshu error."""

    entries: list[ErrorEntry] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.entries)


class PolicyError(JinshuError):
    """A policy file is malformed: refused when the policy set loads, never at evaluation."""


class CaseError(JinshuError):
    """A case (the calculator's input) is invalid; nothing has been computed from it."""


class WorkflowError(JinshuError):
    """A state change that is not allowed (wrong state, wrong role, a rule of the money path)."""


class LedgerError(JinshuError):
    """A payment refused: it would exceed a cap or a budget."""


class InputError(JinshuError):
    """Input refused by a check beyond its shape (an unknown unit, a date out of range); nothing
    has been written."""


class NotFound(JinshuError):
    """A record that does not exist (or that the asker may not see)."""


def problem(location: str, zh: str, en: str, value: str | None = None) -> list[ErrorEntry]:
    """A one-entry error list, for raising with a single problem."""
    return [ErrorEntry(location, zh, en, value)]
