"""Great Expectations 1.x validation of lockgate's datasets against suites kept in expectations/*.json."""

from lockgate.validation.suites import (
    ExpectationFailed,
    SuiteError,
    ValidationReport,
    load_suite,
    suite_digest,
    suite_exists,
    validate_frame,
)

__all__ = [
    "ExpectationFailed",
    "SuiteError",
    "ValidationReport",
    "load_suite",
    "suite_digest",
    "suite_exists",
    "validate_frame",
]
