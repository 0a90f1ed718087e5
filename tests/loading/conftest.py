"""Reuse the Hub test fixtures (emulator over the layout repos, isolated env) and the plugin's bundled ``hub``."""

from polards.testing.pytest_plugin import _hub_isolation, hf_env, hub, hub_factory  # noqa: F401
from tests.hub.conftest import env, layout_hub, layout_root  # noqa: F401
