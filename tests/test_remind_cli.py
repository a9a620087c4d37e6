"""`clustercase remind`, run as cron would (a subprocess on a SQLite file), sending through a real
SMTP server (aiosmtpd) that the test starts on loopback and that records what it receives."""

import shutil
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.db import make_engine, make_sessionmaker
from app.vocab import Role, Stage
from tests.cli_tools import clustercase
from tests.factories import (
    add_member,
    make_engagement,
    make_milestone,
    make_recommendation,
    make_region,
    make_user,
)

TODAY = "2024-06-01"
LEAD, MEMBER, OFFICER = "lena@example.org", "max@example.org", "olga@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """An aiosmtpd handler: keeps every message; answers 550 to the addresses in `refuse`."""

    refuse: set[str] = field(default_factory=set)
    hang_up_at: set[str] = field(default_factory=set)  # answers 421: the client must close
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.hang_up_at:
            return "421 4.3.2 Shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Lines end with CRLF on the wire; LF here, so that bodies compare as text.
        content = envelope.content.replace(b"\r\n", b"\n")
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, Received]:
        return {r.rcpt_tos[0]: r for r in self.received}


StartServer = Callable[..., tuple[Recorder, int]]


@pytest.fixture
def smtp_server() -> Iterator[StartServer]:
    """start(refuse=..., **smtp_options) -> (recorder, port): a real SMTP server on 127.0.0.1."""
    controllers: list[Controller] = []

    def start(
        refuse: Iterable[str] = (), hang_up_at: Iterable[str] = (), **options: Any
    ) -> tuple[Recorder, int]:
        recorder, port = Recorder(set(refuse), set(hang_up_at)), free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return recorder, port

    yield start
    for controller in controllers:
        controller.stop()


def seed(db: Path, *, hostile: bool = False) -> None:
    """Lena leads EOC-1 (team: Lena, Max), which has an overdue milestone and a shared
    recommendation awaiting the response of Olga, the region's officer."""
    suffix = "\r\nBcc: evil@example.org" if hostile else ""
    engine = make_engine(f"sqlite:///{db}")
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            region = make_region(session)
            lead = make_user(session, email=LEAD, full_name="Lena Lead" + suffix)
            member = make_user(session, email=MEMBER, full_name="Max Member")
            make_user(session, email=OFFICER, full_name="Olga", role=Role.STAKEHOLDER,
                      region_id=region.id)  # fmt: skip
            engagement = make_engagement(
                session,
                reference="EOC-1",
                title="Wallonia" + suffix,
                region_id=region.id,
                lead_consultant_id=lead.id,
            )
            add_member(session, engagement, lead)
            add_member(session, engagement, member)
            make_milestone(
                session, engagement, title="Workshop" + suffix, due_date=date(2024, 5, 1)
            )
            make_recommendation(
                session,
                engagement,
                code="R1",
                title="Cluster office" + suffix,
                stage=Stage.SHARED,
                shared_at=datetime(2024, 3, 1, tzinfo=UTC),
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the latest migration, copied by the tests that need one."""
    db = tmp_path_factory.mktemp("remind") / "empty.db"
    done = clustercase(db, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="module")
def database(migrated: Path) -> Path:
    """Read-only for the tests that use it: remind changes nothing in the database."""
    db = Path(shutil.copy(migrated, migrated.with_name("remind.db")))
    seed(db)
    return db


def test_without_send_it_prints_the_digests_and_sends_nothing(
    database: Path, smtp_server: StartServer
) -> None:
    recorder, port = smtp_server()

    done = clustercase(database, "remind", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port)

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "== Lena Lead <lena@example.org>: 1 overdue milestone, 1 response pending\n"
        "EOC-1 - Wallonia\n"
        "  - Overdue milestone: Workshop - due 2024-05-01, 31 days late\n"
        "  - Response pending: R1 Cluster office - shared 2024-03-01, response pending for"
        " 92 days\n"
        "\n"
        "== Max Member <max@example.org>: 1 overdue milestone\n"
        "EOC-1 - Wallonia\n"
        "  - Overdue milestone: Workshop - due 2024-05-01, 31 days late\n"
        "\n"
        "== Olga <olga@example.org>: 1 response pending\n"
        "EOC-1 - Wallonia\n"
        "  - Response pending: R1 Cluster office - shared 2024-03-01, response pending for"
        " 92 days\n"
        "\n"
        "3 people to remind as of 2024-06-01 (--send e-mails them)\n"
    )
    assert recorder.received == []


def test_send_mails_each_person_their_own_digest(database: Path, smtp_server: StartServer) -> None:
    recorder, port = smtp_server()

    done = clustercase(
        database, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        f"sending 3 reminders via 127.0.0.1:{port}\n"
        f"  {LEAD}: sent\n  {MEMBER}: sent\n  {OFFICER}: sent\n"
    )
    assert done.stdout == "reminders: 3 sent, 0 failed\n"
    received = recorder.by_recipient()
    assert [r.rcpt_tos for r in recorder.received] == [[LEAD], [MEMBER], [OFFICER]]
    assert {r.mail_from for r in recorder.received} == {"noreply@clustercase.example"}

    lead = received[LEAD].message
    assert lead["Subject"] == "ClusterCase: 1 overdue milestone, 1 response pending"
    assert lead["From"] == "ClusterCase <noreply@clustercase.example>"
    assert lead["To"] == "Lena Lead <lena@example.org>"
    assert lead["Message-ID"] and lead["Date"]
    body = lead.get_content()
    assert body.startswith("Hello Lena Lead,\n")
    assert (
        "EOC-1 - Wallonia\n"
        "  - Overdue milestone: Workshop - due 2024-05-01, 31 days late\n"
        "  - Response pending: R1 Cluster office - shared 2024-03-01,"
        " response pending for 92 days\n"
    ) in body
    assert received[MEMBER].message["Subject"] == "ClusterCase: 1 overdue milestone"
    assert "Response pending" not in received[MEMBER].message.get_content()
    assert received[OFFICER].message["Subject"] == "ClusterCase: 1 response pending"
    assert "Overdue milestone" not in received[OFFICER].message.get_content()


def test_a_refused_recipient_is_reported_and_the_others_still_get_theirs(
    database: Path, smtp_server: StartServer
) -> None:
    recorder, port = smtp_server(refuse={MEMBER})

    done = clustercase(
        database, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port
    )

    assert done.returncode == 1
    assert (
        f"  {MEMBER}: failed: refused by the server: 550 5.1.1 No such mailbox here\n"
        in done.stderr
    )
    assert f"  {LEAD}: sent\n" in done.stderr and f"  {OFFICER}: sent\n" in done.stderr
    assert done.stdout == "reminders: 2 sent, 1 failed\n"
    assert sorted(recorder.by_recipient()) == [LEAD, OFFICER]


def test_a_connection_lost_midway_fails_the_rest_visibly(
    database: Path, smtp_server: StartServer
) -> None:
    recorder, port = smtp_server(hang_up_at={MEMBER})

    done = clustercase(
        database, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port
    )

    assert done.returncode == 1
    assert done.stderr.splitlines()[1:] == [
        f"  {LEAD}: sent",
        f"  {MEMBER}: failed: refused by the server: 421 4.3.2 Shutting down",
        f"  {OFFICER}: failed: the connection to the SMTP server was lost",
    ]
    assert done.stdout == "reminders: 1 sent, 2 failed\n"
    assert sorted(recorder.by_recipient()) == [LEAD]


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_sent(database: Path) -> None:
    port = free_port()  # nothing listens there

    done = clustercase(
        database, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port
    )

    assert done.returncode == 2
    assert done.stderr.startswith(f"sending 3 reminders via 127.0.0.1:{port}\nerror: cannot use")
    assert "refused" in done.stderr and done.stderr.endswith("; no reminder was sent\n")
    assert done.stdout == ""


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_is_used_and_a_refused_login_sends_nothing(
    database: Path, smtp_server: StartServer
) -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"cc", b"s3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: answer 535 on failure

    recorder, port = smtp_server(
        authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    server = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_username": "cc"}

    wrong = clustercase(database, "remind", "--send", "--today", TODAY, **server,
                        smtp_password="nope")  # fmt: skip
    assert wrong.returncode == 2
    assert f"error: 127.0.0.1:{port} refused the login: 535" in wrong.stderr
    assert recorder.received == []

    right = clustercase(database, "remind", "--send", "--today", TODAY, **server,
                        smtp_password="s3cret")  # fmt: skip
    assert right.returncode == 0, right.stderr
    assert len(recorder.received) == 3


def test_starttls_required_but_not_offered_is_refused(
    database: Path, smtp_server: StartServer
) -> None:
    recorder, port = smtp_server()

    done = clustercase(database, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1",
                       smtp_port=port, smtp_starttls="true")  # fmt: skip

    assert done.returncode == 2
    assert f"error: 127.0.0.1:{port} does not offer STARTTLS; no reminder was sent" in done.stderr
    assert recorder.received == []


def test_names_and_titles_cannot_inject_headers(
    migrated: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    db = Path(shutil.copy(migrated, tmp_path / "hostile.db"))
    seed(db, hostile=True)
    recorder, port = smtp_server()

    done = clustercase(
        db, "remind", "--send", "--today", TODAY, smtp_host="127.0.0.1", smtp_port=port
    )

    assert done.returncode == 0, done.stderr
    # Three envelopes, each to its one person: evil@example.org is never a recipient.
    assert [r.rcpt_tos for r in recorder.received] == [[LEAD], [MEMBER], [OFFICER]]
    lead = recorder.by_recipient()[LEAD].message
    assert "Bcc" not in lead and "Cc" not in lead
    assert [a.addr_spec for a in lead["To"].addresses] == [LEAD]
    assert lead["To"].addresses[0].display_name == "Lena Lead Bcc: evil@example.org"
    body = lead.get_content()
    assert not any(line.startswith("Bcc") for line in body.splitlines())
    assert "EOC-1 - Wallonia Bcc: evil@example.org\n" in body
    assert "Overdue milestone: Workshop Bcc: evil@example.org - due 2024-05-01" in body
    # The terminal listing is flattened the same way.
    listing = clustercase(db, "remind", "--today", TODAY)
    assert "== Lena Lead Bcc: evil@example.org <lena@example.org>: 1 overdue" in listing.stdout
    assert not any(line.startswith("Bcc") for line in listing.stdout.splitlines())


def test_bad_usage_exits_2(database: Path) -> None:
    done = clustercase(database, "remind", "--today", "1 June")
    assert done.returncode == 2 and "not a date (YYYY-MM-DD): '1 June'" in done.stderr
    bad_from = clustercase(database, "remind", "--send", "--today", TODAY, smtp_from="nobody")
    assert bad_from.returncode == 2 and "CLUSTERCASE_SMTP_FROM" in bad_from.stderr


def test_nothing_to_remind_sends_nothing(database: Path) -> None:
    # Nothing was due or shared by then: no connection is even tried (port 9 is discard).
    done = clustercase(database, "remind", "--send", "--today", "2024-01-01", smtp_port=9)
    assert done.returncode == 0
    assert done.stdout == "no reminders as of 2024-01-01: nothing overdue, pending or due\n"
