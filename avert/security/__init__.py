"""Sign-in, sessions, API client credentials, the audit log and break-glass access.

The security properties and the code that enforces each are listed in docs/security.md.
"""
