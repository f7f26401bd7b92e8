"""The real local CKAN for the tests under tests/portal."""

from tests.ckan_fixtures import ckan_portal  # noqa: F401  (a session fixture)
