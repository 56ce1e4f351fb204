"""E-mail notifications: queued in the database, sent by a background job with retries."""
