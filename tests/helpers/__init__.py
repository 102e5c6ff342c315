"""Helpers shared by the tests (importable because tests/conftest.py puts
the tests folder on sys.path)."""
