"""The audit log: what staff did, and which member's personal data they looked at.

Append-only. Every staff action goes through `record` (monquartier/audit/log.py); the
admin shows entries and never lets anyone change or delete one.
"""
