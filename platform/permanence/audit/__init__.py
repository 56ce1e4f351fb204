"""The audit log's mechanism: who did what, when, in which council, to which record. Kernel, so
every layer above can record; the page that reads it is ``accounts.audit_log``."""
