"""Reuse the Hub test fixtures (emulator over the layout repos, isolated env); ``hub``/``hf_env`` come from the
plugin loaded by the top-level conftest."""

from tests.hub.conftest import env, layout_hub, layout_root  # noqa: F401
