"""The `clustercase` command."""

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings
from app.vocab import Role


def _serve(args: argparse.Namespace) -> int:
    """Serve with uvicorn. On SIGTERM or SIGINT each process stops taking connections, lets
    running requests finish for up to `shutdown_grace_s`, then stops its render workers (the
    app's lifespan); with `--workers N` the parent passes the signal on to every process."""
    import math

    import uvicorn

    # Each server process pins itself to a core (app/affinity.py) and opens its connections
    # at start-up, unless told otherwise.
    os.environ.setdefault("CLUSTERCASE_PIN_CPU", "true")
    os.environ.setdefault("CLUSTERCASE_DB_POOL_WARM", "true")
    from app.observability import logs, multiproc

    settings = Settings()
    # Worker processes share their metrics through files (app/observability/multiproc.py).
    metrics_dir = multiproc.prepare(args.workers)
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            # One line per request comes from the app (app/observability/middleware.py).
            access_log=False,
            log_config=logs.config(logs.format_of(settings)),
            timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
        )
    finally:
        multiproc.remove(metrics_dir)
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from app import migrate

    migrate.upgrade()
    print("database is at the latest migration")
    return 0


@contextmanager
def _transaction() -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back on any error."""
    from app.db import make_engine, make_sessionmaker

    settings = Settings()
    engine = make_engine(settings.database_url, settings)
    try:
        with make_sessionmaker(engine, writer=True)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _seed_demo(args: argparse.Namespace) -> int:
    from app.models import Engagement, User
    from app.seed import demo

    with _transaction() as session:
        if args.if_empty and (
            session.scalar(select(User.id).limit(1))
            or session.scalar(select(Engagement.id).limit(1))
        ):
            print("demo data: skipped, the database already holds data")
            return 0
        print(demo.seed(session))
    return 0


def _demo_logins(_args: argparse.Namespace) -> int:
    from app.seed.demo import demo_logins
    from app.seed.demo_data.reference import DEMO_PASSWORD

    print(f"Demo logins (password for all: {DEMO_PASSWORD}) - demo data only:")
    for email, role in demo_logins():
        print(f"  {role:<12} {email}")
    return 0


def _seed_synthetic(args: argparse.Namespace) -> int:
    """Generate and bulk-load a synthetic portfolio (app/seed/synthetic.py)."""
    from app.seed import synthetic
    from app.services.errors import AppError

    try:
        with _transaction() as session:
            result = synthetic.seed(
                session,
                engagements=args.engagements,
                seed=args.seed,
                append=args.append,
                progress=synthetic.TerminalProgress(sys.stderr),
            )
    except AppError as exc:
        return _fail(exc.detail)
    print("\n".join(synthetic.report(result)))
    return 0


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return int(value)


def _users_create(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from app.models import Partnership, Region
    from app.schemas.user import UserCreate
    from app.services import users
    from app.services.errors import AppError

    with _transaction() as session:
        region_id = partnership_id = None
        if args.region:
            region_id = session.scalar(select(Region.id).where(Region.nuts_code == args.region))
            if region_id is None:
                return _fail(f"no region with NUTS code {args.region}")
        if args.partnership:
            partnership_id = session.scalar(
                select(Partnership.id).where(Partnership.acronym == args.partnership)
            )
            if partnership_id is None:
                return _fail(f"no partnership with acronym {args.partnership}")
        try:
            data = UserCreate(
                email=args.email,
                full_name=args.full_name or args.email.split("@")[0],
                role=args.role,
                password=args.password,
                region_id=region_id,
                partnership_id=partnership_id,
            )
            user = users.create(session, data)
        except ValidationError as exc:
            return _fail(
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            )
        except AppError as exc:
            return _fail(exc.detail)
        print(f"created {user.role} {user.email} (id {user.id})")
    return 0


def _render(args: argparse.Namespace) -> int:
    """Render a report of an engagement to a PDF file (a preview: nothing is stored)."""
    import time
    from pathlib import Path

    from app.models import Engagement
    from app.services.reports import prepare_draft
    from app.vocab import ReportKind

    out = Path(args.out)
    if not out.parent.is_dir():
        return _fail(f"the folder {out.parent} does not exist")
    started = time.perf_counter()

    def step(message: str) -> None:
        print(f"[{time.perf_counter() - started:5.1f} s] {message}", file=sys.stderr, flush=True)

    step(f"loading {args.reference}")
    with _transaction() as session:
        engagement = session.scalar(
            select(Engagement).where(Engagement.reference == args.reference)
        )
        if engagement is None:
            return _fail(f"no engagement has the reference {args.reference!r}")
        view = prepare_draft(
            session, engagement, kind=ReportKind(args.kind), language="en", author=None
        )
    step(
        f"building the {args.kind} (version {view.version_number}, draft): "
        f"{len(view.recommendations)} recommendations, {len(view.references)} sources"
    )
    from app.reports.render import render_html, render_pdf

    html = render_html(view)
    step("laying out pages with WeasyPrint")
    rendered = render_pdf(view, html=html)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(rendered.pdf)
    partial.replace(out)  # never leaves a half-written file under the real name
    step(f"wrote {out} ({rendered.page_count} pages, {len(rendered.pdf) / 1024:.0f} KiB)")
    return 0


def _remind(args: argparse.Namespace) -> int:
    """Each person's overdue milestones, pending responses and self-assessments due: printed,
    or e-mailed (--send)."""
    from app.services import reminders
    from app.services.mailer import MailUnavailable, SmtpMailer, one_line

    today = args.today or clock.today()
    with _transaction() as session:
        digests = reminders.collect(session, today=today)
    if not digests:
        print(f"no reminders as of {today.isoformat()}: nothing overdue, pending or due")
        return 0
    if not args.send:
        for digest in digests:
            person = f"{one_line(digest.full_name)} <{one_line(digest.email)}>"
            print(f"== {person}: {reminders.summary(digest)}")
            print("\n".join(reminders.sections(digest)), end="\n\n")
        print(f"{len(digests)} people to remind as of {today.isoformat()} (--send e-mails them)")
        return 0
    try:
        mailer = SmtpMailer(Settings())
    except ValueError as exc:
        return _fail(f"CLUSTERCASE_SMTP_FROM: {exc}")

    def report(result: reminders.DeliveryResult) -> None:
        outcome = "sent" if result.sent else f"failed: {result.error}"
        print(f"  {one_line(result.email)}: {outcome}", file=sys.stderr, flush=True)

    print(f"sending {len(digests)} reminders via {mailer.endpoint}", file=sys.stderr, flush=True)
    try:
        with mailer:
            results = reminders.deliver(digests, mailer.send, on_result=report)
    except MailUnavailable as exc:
        return _fail(f"{exc}; no reminder was sent")
    failed = sum(not result.sent for result in results)
    print(f"reminders: {len(results) - failed} sent, {failed} failed")
    return 1 if failed else 0


def _backup(args: argparse.Namespace) -> int:
    """A consistent backup of the running database, with its manifest (app/ops/backup.py)."""
    from pathlib import Path

    from app.ops import StepPrinter, backup

    def run() -> str:
        file = Path(args.file)
        manifest = backup.backup(Settings().database_url, file, progress=StepPrinter())
        return (
            f"backup written to {file}: {manifest.engine} at schema revision "
            f"{manifest.schema_revision}, {len(manifest.tables)} tables, "
            f"{manifest.total_rows} rows, {file.stat().st_size} bytes"
        )

    return _operation(run)


def _restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup, then verify it against the manifest."""
    from pathlib import Path

    from app.ops import StepPrinter, backup

    def run() -> str:
        done = backup.restore(
            Settings().database_url, Path(args.file), force=args.force, progress=StepPrinter()
        )
        revision = done.manifest.schema_revision
        upgrade = " (run `clustercase db upgrade` next)" if revision != done.head else ""
        return (
            f"restored {args.file}: {len(done.manifest.tables)} tables, "
            f"{done.manifest.total_rows} rows, row counts and checksums verified; "
            f"schema revision {revision}{upgrade}"
        )

    return _operation(run)


def _db_copy(args: argparse.Namespace) -> int:
    """Copy every table into another, empty database (the move to PostgreSQL)."""
    from sqlalchemy import make_url

    from app.ops import StepPrinter
    from app.ops.copy import copy_database

    def run() -> str:
        copied = copy_database(Settings().database_url, args.to, progress=StepPrinter())
        target = make_url(args.to).render_as_string(hide_password=True)
        return (
            f"copied {copied.rows} rows of {len(copied.tables)} tables to {target} at revision "
            f"{copied.revision}: row counts and checksums verified; "
            f"point CLUSTERCASE_DATABASE_URL at it to run the app there"
        )

    return _operation(run)


def _data_import(args: argparse.Namespace) -> int:
    """Import a statistical file as its mapping says (docs/statistics-import.md): a progress
    bar on stderr, the report on stdout; a bad file or mapping changes nothing (exit 1)."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from app.services.statistics_import import ImportFailed, import_file, read_mapping
    from app.statistics.formats import Format
    from app.statistics.progress import ByteProgress

    file = Path(args.file)
    # The contract makes --mapping optional: by default the mapping lies beside the file, with
    # the file's name and .toml (rd_e_gerdreg.tsv -> rd_e_gerdreg.toml).
    mapping_path = Path(args.mapping) if args.mapping else file.with_suffix(".toml")
    try:
        if not mapping_path.is_file():
            how = "" if args.mapping else " (no --mapping given: the file's name with .toml)"
            print(f"error: mapping {mapping_path} not found{how}", file=sys.stderr)
            return 1
        mapping = read_mapping(mapping_path.read_text(encoding="utf-8"))
        total = file.stat().st_size
        progress = ByteProgress(f"importing {file.name}")
        with file.open("rb") as stream, _transaction() as session:
            try:
                report = import_file(
                    session,
                    stream,
                    fmt=Format(args.format),
                    mapping=mapping,
                    total_bytes=total,
                    progress=progress,
                )
            finally:
                progress.close()
    except ImportFailed as exc:
        print(f"error: {file}: {exc.detail}; nothing was imported", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"error: database: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


def _data_list(_args: argparse.Namespace) -> int:
    """The datasets stored, with their indicators and observation counts."""
    from app.services import datasets

    with _transaction() as session:
        for dataset, indicators in datasets.overview(session):
            label = " (illustrative)" if dataset.illustrative else ""
            print(f"{dataset.code}: {dataset.title}{label} - {dataset.source}")
            for row in indicators:
                years = f"{row.first_year}-{row.last_year}" if row.observations else "no data"
                print(
                    f"  {row.indicator.code:<28} {row.indicator.framework_condition:<36} "
                    f"{row.observations:>9,} observations, {years}"
                )
    return 0


def _operation(run: Callable[[], str]) -> int:
    """Run an app/ops operation: its summary on stdout, or its error on stderr (exit 2 when it
    was refused, 1 when it failed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.ops import OpsError

    try:
        print(run())
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except SQLAlchemyError as exc:
        print(f"error: database: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clustercase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web app and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (each with its render workers)"
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply the migrations").set_defaults(handler=_db_upgrade)
    db_copy = db.add_parser("copy", help="copy every table into another, empty database")
    db_copy.add_argument("--to", required=True, help="the target's URL (postgresql+psycopg://…)")
    db_copy.set_defaults(handler=_db_copy)

    backup = commands.add_parser("backup", help="back the running database up into a file")
    backup.add_argument("file", help="the backup file to write (a new file)")
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser("restore", help="replace the database with a backup file")
    restore.add_argument("file", help="a file written by `clustercase backup`")
    restore.add_argument("--force", action="store_true", help="replace a database holding data")
    restore.set_defaults(handler=_restore)

    seed = commands.add_parser("seed", help="load data").add_subparsers(
        dest="seed_command", required=True
    )
    demo = seed.add_parser("demo", help="the illustrative demo portfolio (idempotent)")
    demo.add_argument("--if-empty", action="store_true", help="only into an empty database")
    demo.set_defaults(handler=_seed_demo)
    seed.add_parser("logins", help="print the demo logins").set_defaults(handler=_demo_logins)
    synthetic = seed.add_parser("synthetic", help="a large generated portfolio, for scale tests")
    synthetic.add_argument("--engagements", type=_positive, required=True, help="how many")
    synthetic.add_argument("--seed", type=int, default=2018, help="same seed, same content")
    synthetic.add_argument("--append", action="store_true", help="add to the seed's ones")
    synthetic.set_defaults(handler=_seed_synthetic)

    users = commands.add_parser("users", help="accounts").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a user (the first admin comes from here)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True, help="at least 12 characters")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--full-name", default=None)
    client = create.add_mutually_exclusive_group()
    client.add_argument("--region", help="NUTS code (stakeholders)")
    client.add_argument("--partnership", help="acronym (stakeholders)")
    create.set_defaults(handler=_users_create)

    data = commands.add_parser("data", help="statistical indicator data").add_subparsers(
        dest="data_command", required=True
    )
    data_import = data.add_parser("import", help="import a statistical file with its mapping")
    data_import.add_argument("file", help="the file: a Eurostat TSV, an SDMX-CSV or a plain CSV")
    data_import.add_argument("--format", required=True, choices=["eurostat-tsv", "sdmx-csv", "csv"])
    data_import.add_argument(
        "--mapping",
        help="the TOML file saying which series become indicators (default: FILE's name with "
        ".toml, beside it)",
    )
    data_import.set_defaults(handler=_data_import)
    data.add_parser("list", help="the datasets and their indicators").set_defaults(
        handler=_data_list
    )

    from app.vocab import ReportKind

    render = commands.add_parser("render", help="render a report to a PDF file (not stored)")
    render.add_argument("reference", help="the engagement's reference, e.g. EOCIC-2018-BE3")
    render.add_argument("--kind", required=True, choices=[k.value for k in ReportKind])
    render.add_argument("--out", required=True, help="the PDF file to write")
    render.set_defaults(handler=_render)

    remind = commands.add_parser(
        "remind", help="overdue milestones, pending responses, self-assessments due, per person"
    )
    remind.add_argument("--send", action="store_true", help="e-mail each person their digest")
    remind.add_argument(
        "--today", type=_iso_date, default=None, help="YYYY-MM-DD instead of today's date"
    )
    remind.set_defaults(handler=_remind)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
