"""The Discord chat: discord.py renders the conversation core with slash commands and buttons.

Import `bots.discord.adapter` only when Discord is enabled: it loads discord.py. The modules:
`config` (settings), `adapter` (the client and its life), `commands` (slash commands),
`components` (buttons, the label select and the answer modal, routed by custom_id),
`render` (replies as Discord messages), `respond` (answering one interaction in time),
`events` (who is asking), `voice` (recordings), `outbox` (owed DMs), `errors` (one handler).
"""
