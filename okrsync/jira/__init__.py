"""Where a KR's progress comes from: JIRA issues, from an export file or a live server."""
