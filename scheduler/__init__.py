"""Recurring jobs (APScheduler) that call the same services as the chat flows."""
