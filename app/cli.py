"""The `clustercase` command."""

import argparse
import sys
from collections.abc import Sequence

from app.config import Settings


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


def _seed_demo(_args: argparse.Namespace) -> int:
    from app.db import make_engine, make_sessionmaker
    from app.services import demo

    settings = Settings()
    engine = make_engine(settings.database_url, settings)
    with make_sessionmaker(engine)() as session, session.begin():
        summary = demo.seed(session)
    engine.dispose()
    print(summary)
    return 0


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
    seed.add_parser("demo", help="the illustrative demo portfolio (idempotent)").set_defaults(
        handler=_seed_demo
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
