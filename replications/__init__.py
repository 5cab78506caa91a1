"""Replications: one folder per paper, each with README.md, claims.yaml, params.yaml, rules.smk.

``_workflow`` holds the build machinery every replication shares (config and ledger
validation, atomic I/O, provenance, figure saving); it is not a replication.
"""
