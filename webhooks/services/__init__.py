"""Webhook services: ``subscriptions`` (create, pause, resume), ``publishing`` (a domain event
becomes deliveries) and ``delivery`` (one attempt, its outcome, backoff, redelivery)."""
