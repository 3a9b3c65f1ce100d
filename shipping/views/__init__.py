"""Shipping's views, by screen: carriers' tracking webhooks, and the fulfilment dashboard."""
