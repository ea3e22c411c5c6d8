"""The account history beside a reviewer's case: `enforcement.history`, which the lead's review
of a termination reads too (it needs nothing of appeals but the `action.appeal` accessor)."""

from enforcement.history import AccountHistory, account_history

__all__ = ["AccountHistory", "account_history"]
