"""Public regional statistics (issue 15): the file formats they come in, the mapping that says
which series become which indicators, and what a geographic code is. Pure functions and
parsers, no database: the import itself is app/services/statistics_import.py."""
