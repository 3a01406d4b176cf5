"""The web pages reuse the API tests' client (a throwaway database with users of every role)."""

from tests.api.conftest import client  # noqa: F401
from tests.workflow.conftest import db_url  # noqa: F401
