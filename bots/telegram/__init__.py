"""The Telegram channel: one python-telegram-bot ``Application`` per tenant bot."""

from bots.telegram.channel import TelegramChannel
from bots.telegram.factory import build_telegram_channels

__all__ = ["TelegramChannel", "build_telegram_channels"]
