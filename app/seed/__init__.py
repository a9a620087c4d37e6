"""Data that is not the users' own: the illustrative demo portfolio (`seed demo`) and the
synthetic portfolios of the benchmarks (`seed synthetic`). Used by the CLI, the benchmarks and
the tests, never by a request."""
