from core.exceptions import DomainError


class DigestError(DomainError):
    code = "digest_error"


class UnknownReport(DigestError):
    code = "unknown_report"
