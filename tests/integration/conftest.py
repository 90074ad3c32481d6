"""Fixtures integration tests share with unit tests."""

from tests.unit.test_migrations import old_store  # noqa: F401
from tests.unit.test_neural import tiny_checkpoint  # noqa: F401
