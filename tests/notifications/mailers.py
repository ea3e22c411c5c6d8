"""Email backends for tests: one that always fails, one that counts across threads."""

import threading
from typing import ClassVar

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages: list[EmailMessage]) -> int:
        raise ConnectionRefusedError("The mail server refused the connection.")


class CountingEmailBackend(BaseEmailBackend):
    """Keeps what it sends in one list for the whole process.

    A Celery worker started by a test runs in another thread; its sends are counted here, where
    the test can see them, without relying on `mail.outbox` being shared.
    """

    sent: ClassVar[list[EmailMessage]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send_messages(self, messages: list[EmailMessage]) -> int:
        with self._lock:
            self.sent.extend(messages)
        return len(messages)

    @classmethod
    def sent_for(cls, notification_id: int) -> list[EmailMessage]:
        with cls._lock:
            return [
                message
                for message in cls.sent
                if message.extra_headers.get("X-Recourse-Notification") == str(notification_id)
            ]

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.sent.clear()
