"""A live JIRA site, in the shape of the Google Sheets adapter: `http` talks to the site
(time limits, retries, errors), `api` is what okrsync asks it in the Cloud and the
Server / Data Center dialects, `cursor` decides where a read starts, `cache` keeps
what the last read learnt, `reader` reads every link of a pull, `source` connects and
answers links as an IssueSource.
"""

from okrsync.jira.live.api import CloudApi, JiraApi, ServerApi
from okrsync.jira.live.cache import IssueCache
from okrsync.jira.live.http import JiraRefused, JiraUnavailable
from okrsync.jira.live.source import LiveSource, Site, connect

__all__ = [
    "CloudApi",
    "IssueCache",
    "JiraApi",
    "JiraRefused",
    "JiraUnavailable",
    "LiveSource",
    "ServerApi",
    "Site",
    "connect",
]
