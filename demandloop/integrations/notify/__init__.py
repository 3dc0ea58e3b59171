"""Notifications (DESIGN.md §6 Integrations): the outbox, its transports and its delivery."""
