"""Test harness shared by every test folder: private Redis, real Celery processes, CRM personas.

Registered in tests/conftest.py with `pytest_plugins`. Lives in the package (not in tests/) because
tests/ has no __init__.py and its folders cannot import from each other.
"""
