"""Hub emulator fixtures (``hub``, ``hf_env``, ``hub_factory``) for this folder's tests."""

from polards.testing.pytest_plugin import _hub_isolation, hf_env, hub, hub_factory  # noqa: F401
