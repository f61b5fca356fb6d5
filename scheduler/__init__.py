"""Recurring work in the bot process: payouts, scheduled activations with their announcements and
notices, the moderators' digest, lease upkeep and streak reminders. See docs/scheduler.md."""
