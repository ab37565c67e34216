"""What is wrong with the data: one ``Problem`` per file/record/field, gathered into one
``DataError``. Shared by every loader (catalogue, trips, database) and by the site
validator the editing work will call on each write. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    file: str
    feature: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.feature is not None:
            where += f": feature {self.feature!r}"
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class DataError(Exception):
    """The data folder is not usable. ``problems`` lists everything wrong, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0])
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(first + more)


def pydantic_problems(file: str, feature: str | None, exc: ValidationError, prefix: str = "") -> list[Problem]:
    """One ``Problem`` per pydantic error, with the field path in our dotted form."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not (isinstance(p, str) and p in ("function-after",))]
        # pydantic names union branches in the location ("PointGeometry"); drop them.
        loc = [p for p in loc if not p[:1].isupper()]
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling against docs/data.md)"
        out.append(Problem(file, feature, ".".join([prefix, *loc]).strip(".") or None, msg))
    return out
