"""Build machinery shared by every replication's scripts: I/O, validation and provenance.

This is the I/O side of the project (``shared/`` stays pure); scripts under
``replications/<name>/scripts/`` import from here.
"""
