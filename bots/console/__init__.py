"""The terminal chat: the same conversation as Telegram and Discord, typed in a console."""
