"""The `clustercase` command."""

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.vocab import Role


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
    )
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
        with make_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _seed_demo(args: argparse.Namespace) -> int:
    from app.models import Engagement, User
    from app.services import demo

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
    from app.services.demo import demo_logins
    from app.services.demo_data.reference import DEMO_PASSWORD

    print(f"Demo logins (password for all: {DEMO_PASSWORD}) - demo data only:")
    for email, role in demo_logins():
        print(f"  {role:<12} {email}")
    return 0


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


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clustercase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web app and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply the migrations").set_defaults(handler=_db_upgrade)

    seed = commands.add_parser("seed", help="load data").add_subparsers(
        dest="seed_command", required=True
    )
    demo = seed.add_parser("demo", help="the illustrative demo portfolio (idempotent)")
    demo.add_argument("--if-empty", action="store_true", help="only into an empty database")
    demo.set_defaults(handler=_seed_demo)
    seed.add_parser("logins", help="print the demo logins").set_defaults(handler=_demo_logins)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
