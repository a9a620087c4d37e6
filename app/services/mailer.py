"""Plain-text e-mail through an SMTP server (stdlib smtplib): one connection for a whole run,
optional STARTTLS and login, one message per recipient.

User text (names, titles) may hold anything, CR and LF included, so it never becomes a header:
the subject is the caller's (reminders build it from counts), the recipient's display name is
flattened to one line and encoded by `email.headerregistry.Address`, and the envelope recipient
is passed explicitly (never read from the headers).
"""

import smtplib
import ssl
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from types import TracebackType

from app import clock
from app.config import Settings


class MailUnavailable(Exception):
    """The SMTP server cannot be reached, or refuses the session (STARTTLS, login): nothing
    has been sent."""


class SendFailed(Exception):
    """One message was not accepted; the reason is the exception's message."""


def one_line(text: str) -> str:
    """User text made safe for one line (a header's display name, a line of a plain-text body,
    a terminal): control characters (CR, LF, ESC, …) become spaces, runs of white space one."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(cleaned.split())


def parse_sender(value: str) -> Address:
    """`Name <address>` or a bare address, as configured in CLUSTERCASE_SMTP_FROM."""
    name, addr = parseaddr(value)
    if not addr or "@" not in addr:
        raise ValueError(f"not an e-mail address: {value!r}")
    return _address(addr, name)


def _address(addr_spec: str, display_name: str = "") -> Address:
    try:
        return Address(display_name=one_line(display_name), addr_spec=addr_spec)
    except (ValueError, HeaderParseError, IndexError) as exc:
        raise ValueError(f"not a valid e-mail address: {addr_spec!r}") from exc


def build_message(
    *, sender: Address, to_email: str, to_name: str, subject: str, body: str
) -> EmailMessage:
    """A plain-text message; raises ValueError for an address that cannot be one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = _address(to_email, to_name)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    # 8-bit bodies need the server's 8BITMIME; quoted-printable goes through any server.
    message.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    return message


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"refused by the server: {code} {_text(text)}" for code, text in exc.recipients.values()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _text(raw: bytes | str) -> str:
    return one_line(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)


class SmtpMailer:
    """`with SmtpMailer(settings) as mailer: mailer.send(...)`: entering connects (raising
    MailUnavailable), `send` raises SendFailed for one message, leaving quits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = parse_sender(settings.smtp_from)  # ValueError: bad configuration
        self._smtp: smtplib.SMTP | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    def __enter__(self) -> "SmtpMailer":
        s = self.settings
        smtp = smtplib.SMTP(timeout=s.smtp_timeout_s)
        try:
            smtp.connect(s.smtp_host, s.smtp_port)
            smtp.ehlo()
            if s.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise MailUnavailable(f"{self.endpoint} does not offer STARTTLS")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except MailUnavailable:
            smtp.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise MailUnavailable(f"{self.endpoint} refused the login: {_reason(exc)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise MailUnavailable(f"cannot use {self.endpoint}: {_reason(exc)}") from exc
        self._smtp = smtp
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None

    def send(self, to_email: str, to_name: str, subject: str, body: str) -> None:
        """Send one message to one recipient (the only envelope recipient)."""
        if self._smtp is None:
            raise SendFailed("not connected to the SMTP server")
        try:
            message = build_message(
                sender=self.sender, to_email=to_email, to_name=to_name, subject=subject, body=body
            )
        except ValueError as exc:
            raise SendFailed(str(exc)) from exc
        try:
            refused = self._smtp.send_message(
                message, from_addr=self.sender.addr_spec, to_addrs=[to_email]
            )
        except smtplib.SMTPServerDisconnected as exc:
            raise SendFailed("the connection to the SMTP server was lost") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(_reason(exc)) from exc
        if refused:  # only when some of several recipients were refused; kept for safety
            raise SendFailed(_reason(smtplib.SMTPRecipientsRefused(refused)))
