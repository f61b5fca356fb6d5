"""The Telegram chat: python-telegram-bot renders the conversation core in Telegram.

Import `bots.telegram.adapter` only when Telegram is enabled: it loads python-telegram-bot.
"""
