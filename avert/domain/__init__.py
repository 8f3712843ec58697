"""The pure core of Avert: values in, values out.

Nothing in this package touches a database, the web, the clock or the environment. A test
(`tests/unit/test_domain_is_pure.py`) fails if a module here imports anything that does.
"""
