"""The platform-neutral conversation: events in, replies out. No chat SDK is imported here."""
