"""Writes to the API's own tables: integrations' tokens and the idempotency store."""

from .tokens import IssuedToken, issue_token, parse_token, revoke_token

__all__ = ["IssuedToken", "issue_token", "parse_token", "revoke_token"]
