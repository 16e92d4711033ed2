"""A bounded property-based run of our own OpenAPI schema (schemathesis, in-process WSGI):
no 5xx anywhere, and every documented response matches the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from lotse.wsgi import application


# The schema view touches no database, so it can be read while collecting the tests.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(method="GET")
# One test per operation, each with its own node id: schemathesis' own parametrize gives
# all operations one node id, and pytest-xdist (make test) then ran only one of them.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django closes the database connection when a request starts and finishes; inside a
    # test that would end the test's transaction. Django's own test client detaches the
    # handler in the same way; schemathesis calls the WSGI application directly.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_reads_never_fail_and_match_the_schema(operation, contacts):
    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        # identity: the in-process client does not undo the site's GZipMiddleware.
        case.call_and_validate(
            headers={"Accept-Encoding": "identity"},
            checks=[schemathesis.checks.not_a_server_error, schemathesis.specs.openapi.checks.response_schema_conformance]
        )

    check()


def test_every_read_operation_is_fuzzed():
    assert len(OPERATIONS) >= 20, [operation.label for operation in OPERATIONS]
