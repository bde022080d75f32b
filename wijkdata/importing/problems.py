"""Problems found while reading a file, and the refusal that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to refuse a file, said in Dutch, with where it is when that is known."""

    message: str
    row: int | None = None
    column: str | None = None
    # The import option that resolves it ("year", "sheet", "source"), if one does: the
    # command names its flag, the upload form its field; the message itself names neither.
    option: str | None = None

    def as_dict(self) -> dict:
        return {
            "message": self.message,
            "row": self.row,
            "column": self.column,
            "option": self.option,
        }


class ImportRefused(Exception):
    """The file cannot be imported; nothing was written. `problems` says why, all of it."""

    def __init__(self, problems: list[Problem], *, notes: list[str] | None = None):
        self.problems = problems
        self.notes = notes or []
        super().__init__("\n".join(p.message for p in problems[:20]))
