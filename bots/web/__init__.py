"""The web channel: organisation area, Redaktion, public pages, web chat."""

from bots.web.app import WebChannel, create_app, ensure_demo_editor, mail_sender

__all__ = ["WebChannel", "create_app", "ensure_demo_editor", "mail_sender"]
