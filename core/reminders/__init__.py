"""Messages the service sends on its own: reminders, urgent alerts, digests.

The reminder row is the truth (``core.models.Reminder``); ``planning`` writes
rows, ``delivery`` sends due rows exactly once, ``scheduler`` only decides
*when* to look (APScheduler, owned by one elected process).
"""
