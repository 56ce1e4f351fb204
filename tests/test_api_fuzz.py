"""A bounded schemathesis run against the API's own OpenAPI document, in every CI run.

For every operation, schemathesis generates requests the document allows and requests it does not
(NUL characters, huge numbers, wrong types, missing fields) and sends each as three roles of a demo council (the panel
administrator, the chair and a social worker, each with a personal API token). The run fails on
any 5xx and on any response that does not match the document. It is bounded (a few examples per
operation, derandomised so every run asks the same questions) to stay a minute or two; a deeper
run is the same command with more examples (``FUZZ_EXAMPLES``)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from walk_support import _clean_database, demo  # noqa: F401 (the demo, once per module)

COUNCIL = "knowsley"
ROLES = ("panel_administrator", "chair", "social_worker")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def _fuzz(operation, tokens: dict[str, str]) -> None:
    """Every case hypothesis draws for ``operation``, sent as each role; raises on the first failure
    (after hypothesis has shrunk it to the smallest request that fails)."""

    fixed = {"tenant_slug": COUNCIL}
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
                      operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def run(case):
        for secret in tokens.values():
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}"},
                                   checks=[not_a_server_error, response_schema_conformance])

    run()


def test_no_request_gives_a_server_error_or_a_response_the_document_does_not_describe(app, demo):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    tokens = {role: demo.people[(COUNCIL, role)].api_secret for role in ROLES}
    operations, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz(operation, tokens)
        except Exception as failure:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(failure)[:1500]}")
    assert operations >= 60, "the OpenAPI document lost its operations"
    assert failures == [], f"{len(failures)} of {operations} operations failed:\n\n" + "\n\n".join(failures)
