"""Stand-ins for the providers Kezek sends messages through, as real local servers.

Each listens on a free port of 127.0.0.1 in a thread of the test process, so that the code
under test (in this process or in a ``kezek`` process the test starts) talks to it over the
network exactly as it talks to the real provider:

- ``FakeSmsGateway`` (``tests.fakes.sms``): an HTTP SMS gateway that honours Idempotency-Key.
- ``FakeTelegram`` (``tests.fakes.telegram``): the part of the Telegram Bot API Kezek uses.
- ``SmtpSink`` (``tests.fakes.smtp``): an SMTP server (aiosmtpd) that keeps what it receives.

``tests.fakes.fixtures`` has a pytest fixture for each, and settings that point Kezek at them.
"""

from tests.fakes.sms import FakeSmsGateway
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram import FakeTelegram

__all__ = ["FakeSmsGateway", "FakeTelegram", "SmtpSink"]
