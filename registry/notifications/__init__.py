"""Notifications: every change in the history is an event that subscriptions receive, at
least once, through webhooks, Slack or email.

- ``events``: the public event model built from history rows;
- ``subscriptions``: subscription and delivery entities, and checks on what users type;
- ``dispatcher``: turns outbox rows into deliveries and sends them with retries;
- ``channels``: one attempt at one delivery (signed webhook, Slack, email);
- ``egress``: outgoing HTTP that refuses private and metadata addresses;
- ``signing``: HMAC signatures receivers check; ``settings``: the environment's knobs.
"""
