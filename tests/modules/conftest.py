"""Fixtures shared by the module tests, registered here by importing them from
tests/support (a test module never imports another test module or a conftest)."""

from tests.support.clients import staff  # noqa: F401
from tests.support.jobs import worker  # noqa: F401
from tests.support.people import login  # noqa: F401
