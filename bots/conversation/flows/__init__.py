"""One module per flow: labelling, the member's own pages, moderation."""
