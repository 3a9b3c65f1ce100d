"""Payments screens: staff pages (``staff``) and the public pages and webhooks (``public``)."""
