"""Loaded by every Python process of the test run (this folder is on PYTHONPATH then)."""

import offline_guard

offline_guard.install()
