from core.exceptions import DomainError


class ImporterError(DomainError):
    code = "import_error"


class FileRefused(ImporterError):
    """The file as a whole cannot be read: not CSV, not UTF-8, missing columns, no rows."""

    code = "file_refused"


class RowsRefused(ImporterError):
    """Some rows are bad; ``problems`` lists every one of them."""

    code = "rows_refused"

    def __init__(self, problems: list[dict], rows: int = 0) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the file.",
            extra={"count": len(problems), "rows": rows},
        )
        self.args = (problems, rows)
        self.problems = problems


class JobStateError(ImporterError):
    code = "job_state"
