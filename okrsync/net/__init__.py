"""How okrsync talks to every server (Google Sheets, JIRA, the alert webhook), one small
module per concern: `policy` (when to retry and how long to wait, on the run's clock),
`deadline` (the run's time limit), `pacing` (Retry-After and rate-limit headers),
`watchdog` (a total time per request), `failures` (what went wrong, as a person can act
on it) and `guard` (no secret over plain http). Import from the module itself: the
package imports nothing, so that `okrsync --help` does not load an HTTP stack.
"""
