"""okrsync: keep an OKR dashboard true to the work tracked in JIRA."""

__version__ = "0.1.0"
