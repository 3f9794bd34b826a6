"""One module per command. Each takes the run's Environment, the config and its options,
does the work through the library (`okrsync.sync`, the backends, the sources) and
returns a typed result carrying its exit code; `okrsync.render` turns any result into
any format, and `okrsync.cli` only parses options and prints.
"""
