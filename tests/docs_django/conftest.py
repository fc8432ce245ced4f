"""The pages' examples start from an empty cache, as the Django suite's tests do (the API's write
throttle counts there)."""

from tests.django.conftest import empty_cache  # noqa: F401  (autouse)
