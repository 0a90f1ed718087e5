"""Test helpers for polards and its users: a local Hugging Face Hub emulator and pytest fixtures.

>>> from polards.testing.hub import HubEmulator
"""
