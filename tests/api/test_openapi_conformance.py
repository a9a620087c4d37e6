"""Schemathesis over every operation of the OpenAPI document: the API answers what the
document says, for an administrator and for a stakeholder, and never a 500.

Two of Schemathesis's phases per operation: coverage (its enumerated boundary and wrong-type
values, valid and invalid) and fuzzing (MAX_EXAMPLES valid and as many invalid requests,
seeded with SEED), so that it runs in every `make test` and `make test-pg` in about two
minutes; docs/openapi-conformance.md says how to run it deeper. Path ids are real objects
three times in four (seeded below), so that operations reach their own rules and not only the
404 of an id that exists nowhere.

The requests come from Schemathesis (`iter_coverage_cases`, and each operation's Hypothesis
strategy), each sent and checked by `call_and_validate`; they are driven here rather than by
Schemathesis's pytest plugin, whose `parametrize` does not run under pytest 9 (it sets
`Function._nodeid`).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import SessionFactories
from app.main import create_app
from app.models import User
from app.reports.pool import RenderPool
from app.vocab import Role
from tests import factories as f
from tests.api.objects import one_of_each
from tests.conftest import TEST_SECRET_KEY, bearer

SEED = 20261206
MAX_EXAMPLES = 10
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    checks.unsupported_method,  # a method the path does not serve: 405 with Allow
    checks.allow_header_conformance,  # OPTIONS: Allow names the documented methods
    checks.missing_required_header,
]
# Unknown query parameters are ignored, as by most HTTP APIs (docs/openapi-conformance.md).
CONFIG = {"generation": {"allow-extra-parameters": False}}


@pytest.fixture
def stakeholder(db: Session) -> User:
    return f.make_user(db, role=Role.STAKEHOLDER, region_id=f.make_region(db).id)


@pytest.fixture
def seeded(
    db: Session, stakeholder: User, admin_user: User, conformance_app: Any
) -> dict[str, dict[str, int]]:
    """Real path ids: `kept` for every method but DELETE, `doomed` (another engagement and
    its objects) for DELETE, so that a deletion leaves the other operations their objects.
    The stakeholder's region is the kept engagement's; its draft report is a real render."""
    doomed = one_of_each(db)
    kept = one_of_each(db, stakeholder)
    db.commit()
    client = TestClient(conformance_app, headers=bearer(admin_user))  # no lifespan: no `with`
    path = f"/api/v1/engagements/{kept['engagement_id']}/reports"
    report = client.post(path, json={"kind": "policy_briefing"})
    assert report.status_code == 201, report.text
    kept["report_id"] = doomed["report_id"] = report.json()["id"]
    return {"kept": kept, "doomed": doomed}


@pytest.fixture
def conformance_app(database_url: str, session_factory: sessionmaker[Session]) -> Iterator[Any]:
    """The app on the test's transaction, with a render pool of its own: Schemathesis runs
    the app's lifespan, whose end stops the pool."""
    app = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    app.state.sessions = SessionFactories(session_factory, session_factory)
    app.state.renderer = RenderPool(workers=1, queue=4, timeout_s=120)
    yield app
    asgi.shutdown_lifespans()


@pytest.fixture
def api_schema(conformance_app: Any) -> Any:
    config = SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", conformance_app, config=config)


@dataclass
class Run:
    """A caller's run over every operation: the failures in words, and the statuses each
    operation answered to valid requests."""

    caller: User
    ids: dict[str, dict[str, int]]
    failures: list[str] = field(default_factory=list)
    answered: dict[str, set[int]] = field(default_factory=dict)
    sent: int = 0

    def send(self, case: schemathesis.Case, *, real_ids: bool) -> None:
        """Send `case` and check the answer; with the seeded ids in its path when `real_ids`
        and its path is not the invalid part of it, so that an invalid body reaches the
        validation of bodies rather than the 404 of an id that exists nowhere."""
        if real_ids and case.path_parameters and not _is_negative(case, ParameterLocation.PATH):
            kept = self.ids["doomed" if case.method.upper() == "DELETE" else "kept"]
            case.path_parameters = {n: kept.get(n, v) for n, v in case.path_parameters.items()}
        response = case.call_and_validate(headers=bearer(self.caller), checks=CHECKS)
        self.sent += 1
        if not _is_negative(case):
            self.answered.setdefault(case.operation.label, set()).add(response.status_code)


def _is_negative(case: schemathesis.Case, part: ParameterLocation | None = None) -> bool:
    """Whether `case` (or its `part`) was made invalid."""
    if case.meta is None:
        return False
    return case.meta.generation.mode.is_negative if part is None else case.meta.is_negative_at(part)


def _cover(run: Run, schema: Any, operation: Any) -> None:
    """Schemathesis's coverage phase: boundary values and values of every wrong JSON type
    (`"2"` for an integer, `false` for a number, `0` for a date...), valid and invalid."""
    cases = schema.iter_coverage_cases(
        operation,
        generation_modes=list(GenerationMode),
        generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
    )
    try:
        for n, case in enumerate(cases):
            run.send(case, real_ids=n % 4 != 0)
    except (Exception, BaseExceptionGroup) as exc:
        run.failures.append(f"{operation.label} (coverage): {exc}")


def _fuzz(run: Run, operation: Any, mode: GenerationMode) -> None:
    """Schemathesis's fuzzing phase: MAX_EXAMPLES requests made by its strategy in `mode`."""

    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        derandomize=False,  # CI's Hypothesis profile would derandomize: SEED decides there too
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is shown
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def send(case: schemathesis.Case, data: st.DataObject) -> None:
        run.send(case, real_ids=data.draw(st.integers(0, 3)) > 0)

    try:
        send()
    except (Exception, BaseExceptionGroup) as exc:
        run.failures.append(f"{operation.label} ({mode.value}): {exc}")


def _run_all(schema: Any, caller: User, ids: dict[str, dict[str, int]]) -> Run:
    run = Run(caller, ids)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 80, "the document lists every operation"
    for operation in operations:
        _cover(run, schema, operation)
        _fuzz(run, operation, GenerationMode.POSITIVE)
        # An operation that takes nothing has no invalid request to make.
        if operation.path_parameters or operation.query or operation.body:
            _fuzz(run, operation, GenerationMode.NEGATIVE)
    return run


def test_api_conforms_for_an_administrator(
    api_schema: Any, seeded: dict[str, dict[str, int]], admin_user: User
) -> None:
    run = _run_all(api_schema, admin_user, seeded)
    failures = run.failures
    assert not failures, "\n\n".join(failures)
    assert run.sent > 5000
    # The seeded ids reach the objects: most operations on a path with ids succeed at least
    # once (some stay behind their 409, 412 or 422 for the few requests made).
    with_ids = [label for label in run.answered if "{" in label]
    succeeded = [label for label in with_ids if any(s < 300 for s in run.answered[label])]
    assert len(succeeded) > len(with_ids) * 0.6, sorted(set(with_ids) - set(succeeded))


def test_api_conforms_for_a_stakeholder(
    api_schema: Any, seeded: dict[str, dict[str, int]], stakeholder: User
) -> None:
    run = _run_all(api_schema, stakeholder, seeded)
    failures = run.failures
    assert not failures, "\n\n".join(failures)
    # They read their own engagement (and its shared recommendation) through the seeded ids.
    engagement = "GET /api/v1/engagements/{engagement_id}"
    recommendation = f"{engagement}/recommendations/{{recommendation_id}}"
    assert 200 in run.answered[engagement] and 200 in run.answered[recommendation]
