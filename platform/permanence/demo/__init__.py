"""Demonstration data: councils, a user for every role and synthetic children."""
