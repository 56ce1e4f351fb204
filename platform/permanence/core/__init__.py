"""Cross-cutting mechanisms every feature shares: database scoping, jobs, working days."""
