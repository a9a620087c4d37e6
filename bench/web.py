"""Web pages under load (issues #11 and #12), each signed in through the /login form as its
user, on the demo data plus N synthetic engagements; then the weight of the engagement page and
of its assets, and their cache headers.

    python bench/web.py [--engagements 1000] [--pages overview,list,portfolio,portal]
        [--connections N] [--duration 10] [--workers 2] [--database-url URL] [--figures FILE]

Goals (PAGES): the Wallonia engagement's overview and the list of all engagements (the
consultant) p99 <= 150 ms at 16 connections; DG GROW's portfolio (the monitor) p99 <= 300 ms at
8; the portal (the Wallonia officer) p99 <= 100 ms at 16 (`--connections` sets one number for
all). The engagement page's HTML <= 100 KB, all the assets it references <= 300 KB together,
each served with `Cache-Control: public, max-age=31536000, immutable` under a name that carries
the hash of its content. A page that does not answer 200 is reported as such and its goals as
missed; the rest still runs.

The database (default: a fresh SQLite file under bench/out/) is dropped and rebuilt by the
migrations, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when
one is missed, 2 when the benchmark could not run.
"""

import argparse
import hashlib
import http.client
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ on the path, not the repository: import `app` from this
# checkout, not from wherever an editable install points.
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.seed.demo_data.reference import (  # noqa: E402
    DEMO_PASSWORD,
    KATRIN,
    MONITOR,
    WALLONIA_OFFICER,
)
from app.web.assets import CACHE_FOREVER  # noqa: E402
from app.web.cookies import CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE  # noqa: E402
from bench._common import (  # noqa: E402
    OUT,
    BenchError,
    Figure,
    WrkFigures,
    add_bounded,
    add_common_options,
    cpu_during,
    parse_bounded,
    print_goals,
    reset_database,
    run,
    run_wrk,
    save_figures,
    serving,
    sqlite_url,
)
from bench.portfolio import vacuum  # noqa: E402

WALLONIA = "EOCIC-2018-BE3"


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # "{engagement}": the Wallonia engagement's id
    who: str  # the e-mail of the demo login that loads it
    connections: int
    goal_p99_ms: float


PAGES = {
    page.name: page
    for page in (
        Page("overview", "/engagements/{engagement}", KATRIN, 16, 150.0),
        Page("list", "/engagements?scope=all", KATRIN, 16, 150.0),
        Page("portfolio", "/portfolio", MONITOR, 8, 300.0),
        Page("portal", "/portal", WALLONIA_OFFICER, 16, 100.0),
    )
}
GOAL_HTML_BYTES = 100 * 1024
GOAL_ASSET_BYTES = 300 * 1024
WARMUP_S = 2
ASSET_REFERENCE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HASHED_NAME = re.compile(r"\.([0-9a-f]{12})\.[a-z0-9]+$")
CSRF_INPUT = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


# -- data ------------------------------------------------------------------------------------------


def _cli(url: str, *args: str) -> None:
    print(f"clustercase {' '.join(args)}", flush=True)
    env = os.environ | {"CLUSTERCASE_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"clustercase {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def prepare_database(url: str, engagements: int) -> int:
    """Rebuild the database with the demo data and `engagements` synthetic ones (as the
    `clustercase seed` commands load them), then VACUUM (ANALYZE) as autovacuum would have by
    then; the Wallonia engagement's id."""
    engine = reset_database(url, create_missing=True)
    try:
        _cli(url, "seed", "demo")
        started = time.perf_counter()
        _cli(url, "seed", "synthetic", "--engagements", str(engagements))
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
        vacuum(url)
        with engine.connect() as connection:
            found = connection.scalar(
                text("SELECT id FROM engagements WHERE reference = :r"), {"r": WALLONIA}
            )
            total = connection.scalar(text("SELECT count(*) FROM engagements"))
    finally:
        engine.dispose()
    if found is None:
        raise BenchError(f"the demo data has no engagement {WALLONIA}")
    print(f"{total} engagements; {WALLONIA} is /engagements/{found}", flush=True)
    return int(found)


# -- HTTP ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")

    def cookie(self, name: str) -> str:
        """The value of the cookie `name` this answer sets ("" when it sets none)."""
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith(f"{name}="):
                return value.split(";", 1)[0].split("=", 1)[1]
        return ""


def fetch(base: str, path: str, *, cookie: str = "", form: dict[str, str] | None = None) -> Answer:
    """One GET (or a form POST), redirects not followed."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    body = urlencode(form).encode() if form is not None else None
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request("POST" if body is not None else "GET", path, body, headers)
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def sign_in(base: str, email: str = KATRIN, password: str = DEMO_PASSWORD) -> str:
    """The Cookie header of a sign-in through the /login form, as a browser makes it."""
    form_page = fetch(base, "/login")
    nonce, token = form_page.cookie(LOGIN_COOKIE), CSRF_INPUT.search(form_page.body.decode())
    if form_page.status != 200 or not nonce or token is None:
        raise BenchError(f"GET /login answered {form_page.status} without a form to sign in with")
    fields = {"email": email, "password": password, CSRF_FIELD: token.group(1)}
    signed = fetch(base, "/login", cookie=f"{LOGIN_COOKIE}={nonce}", form=fields)
    session = signed.cookie(SESSION_COOKIE)
    if signed.status != 303 or not session:
        raise BenchError(f"signing in as {email} answered {signed.status}: {signed.body[:300]!r}")
    return f"{SESSION_COOKIE}={session}"


# -- load ------------------------------------------------------------------------------------------


@dataclass
class Load:
    page: Page
    path: str
    connections: int
    status: int  # of the check before the load; not 200: not loaded
    first_ms: float  # that check's time: the first request of this page since the start
    figures: WrkFigures | None = None
    server_cpus: float = 0.0
    other_cpus: float = 0.0
    cpu_ms: float = 0.0  # the server's CPU time per request


def load_page(
    base: str,
    page: Page,
    engagement: int,
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
) -> Load:
    """Sign in afresh as the page's user (a cookie older than a minute is renewed on every
    request), check that the page answers 200, warm it up, then load it with wrk."""
    path = page.path.format(engagement=engagement)
    connections = args.connections or page.connections
    cookie = sign_in(base, page.who)
    started = time.perf_counter()
    status = fetch(base, path, cookie=cookie).status
    first_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        print(f"GET {path} as {page.who} answered {status}: not measured", flush=True)
        return Load(page, path, connections, status, first_ms)
    wrk = partial(
        run_wrk,
        f"{base}{path}",
        threads=min(2, connections),
        connections=connections,
        headers={"Cookie": cookie},
    )
    print(f"warming up GET {path} as {page.who} ({WARMUP_S} s)", flush=True)
    wrk(duration=WARMUP_S)
    print(f"loading GET {path}: {connections} connections, {args.duration} s", flush=True)
    (_, figures), cpu = cpu_during(server, partial(wrk, duration=args.duration))
    after = fetch(base, path, cookie=cookie).status
    if after != 200:  # a redirect to /login would not count as an error in wrk's figures
        raise BenchError(f"GET {path} answered {after} after the load")
    print(f"  {figures.rps:.1f} req/s, p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms")
    cpu_ms = cpu.server_s * 1000 / max(figures.requests, 1)
    return Load(page, path, connections, status, first_ms, figures, cpu.server, cpu.other, cpu_ms)


# -- weight and caching ----------------------------------------------------------------------------


@dataclass
class Asset:
    path: str
    size: int
    cache_control: str
    hashed: bool  # its name carries the first 12 hex digits of its content's SHA-256

    @property
    def cached_forever(self) -> bool:
        return self.cache_control == CACHE_FOREVER


def assets_of(base: str, html: str) -> list[Asset]:
    """Every /static/ file the page references, fetched."""
    found = []
    for path in dict.fromkeys(ASSET_REFERENCE.findall(html)):
        answer = fetch(base, path)
        if answer.status != 200:
            raise BenchError(f"the asset {path} answered {answer.status}")
        name = HASHED_NAME.search(path)
        digest = hashlib.sha256(answer.body).hexdigest()[:12]
        control = answer.header("cache-control")
        found.append(Asset(path, len(answer.body), control, bool(name and name[1] == digest)))
    return found


def weigh(base: str, path: str) -> tuple[int, int, list[Asset]]:
    """(status, HTML bytes, assets) of `path` as the consultant sees it."""
    page = fetch(base, path, cookie=sign_in(base))
    return page.status, len(page.body), assets_of(base, page.body.decode())


# -- report and main -------------------------------------------------------------------------------


def load_figures(loads: list[Load]) -> list[Figure]:
    figures = []
    for load in loads:
        p99 = f"GET {load.path} p99 at {load.connections} connections"
        goal_ms = load.page.goal_p99_ms
        goal = f"<= {goal_ms:.0f} ms"
        if load.figures is None:
            figures.append(Figure(p99, f"not measured: it answered {load.status}", goal, False))
            continue
        f = load.figures
        # On a shared machine the latencies follow the neighbours' load; CPU per request does not.
        cpus = f"server {load.server_cpus:.2f}, other processes {load.other_cpus:.2f}"
        figures += [
            Figure(p99, f"{f.p99_ms:.1f} ms", goal, f.p99_ms <= goal_ms),
            Figure(f"GET {load.path} p50, req/s", f"{f.p50_ms:.1f} ms, {f.rps:.0f} req/s"),
            # The portfolio's first request renders what the later ones are served from.
            Figure(f"GET {load.path} first request (one at a time)", f"{load.first_ms:.1f} ms"),
            Figure(f"GET {load.path} failed", f"{f.errors} of {f.requests}", "0", f.errors == 0),
            Figure(f"GET {load.path} CPUs busy", cpus),
            Figure(f"GET {load.path} server CPU per request", f"{load.cpu_ms:.1f} ms"),
        ]
    return figures


def weight_figures(path: str, status: int, html: int, assets: list[Asset]) -> list[Figure]:
    total = sum(a.size for a in assets)
    uncached = ", ".join(a.path for a in assets if not a.cached_forever)
    unhashed = ", ".join(a.path for a in assets if not a.hashed)
    measured = status == 200
    html_value = f"{html / 1024:.1f} KB" if measured else f"not measured: it answered {status}"
    return [
        Figure(f"GET {path} HTML", html_value, "<= 100 KB", measured and html <= GOAL_HTML_BYTES),
        Figure(
            f"assets of GET {path} ({len(assets)} files)",
            f"{total / 1024:.1f} KB",
            "<= 300 KB",
            total <= GOAL_ASSET_BYTES,
        ),
        Figure("assets without the cache-forever header", uncached or "none", "none", not uncached),
        Figure("assets without a content-hashed name", unhashed or "none", "none", not unhashed),
    ]


def benchmark(args: argparse.Namespace) -> bool:
    """Build the data, serve it, load the pages asked for, weigh the engagement page (with the
    overview); True when every goal is met."""
    engagement_id = prepare_database(args.database_url, args.engagements)
    engagement = f"/engagements/{engagement_id}"
    log = OUT / "web_server.log"
    with serving(args.database_url, workers=args.workers, log=log) as (base, server):
        loads = [load_page(base, PAGES[p], engagement_id, args, server) for p in args.pages]
        weighed = weigh(base, engagement) if "overview" in args.pages else None
    figures = load_figures(loads)
    if weighed is not None:
        status, html, assets = weighed
        for asset in assets:
            print(f"  {asset.path}: {asset.size:,} bytes, Cache-Control: {asset.cache_control}")
        figures += weight_figures(engagement, status, html, assets)
    cpus = os.cpu_count()
    workers = f"{args.workers} worker(s)"
    print(f"\nthe demo data + {args.engagements} synthetic engagements, {workers}, {cpus} CPUs")
    for f in figures:
        if f.met is None:
            print(f"for information, {f.name}: {f.value}")
    save_figures(args.figures, "web pages", args.database_url.split(":", 1)[0], figures)
    return print_goals(figures)


LIMITS = {"engagements": (1, 100_000), "connections": (0, 1000), "duration": (1, 300)}
LIMITS["workers"] = (1, 16)


def page_names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in PAGES]
    if unknown or not names:
        known = ",".join(PAGES)
        raise argparse.ArgumentTypeError(f"pages are a comma-separated list of {known}")
    return list(dict.fromkeys(names))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # --connections 0 (the default): each page's own number (PAGES).
    add_bounded(
        parser, {"engagements": 1000, "connections": 0, "duration": 10, "workers": 2}, LIMITS
    )
    parser.add_argument(
        "--pages", type=page_names, default=list(PAGES), help=f"some of {','.join(PAGES)}"
    )
    add_common_options(parser, sqlite_url("web_bench.db"))
    args = parse_bounded(parser, argv, LIMITS)
    return run(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
