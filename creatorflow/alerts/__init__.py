"""Alerts and the daily digest: derived from the store, kept in an outbox under ids that name their cause,
sent in batches per shop on e-mail (SMTP), a signed JSON webhook, or the log (docs/alerts.md)."""
