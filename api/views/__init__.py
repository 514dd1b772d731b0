"""Presentation, pure (no I/O, no clock): what the routes render from rows.

The advisor page's texts (``advisor_text``), the owner's health summary (``health_summary``), the SOH forecast
placed on the calendar (``soh_forecast``) and its SVG chart (``soh_chart``), and iCalendar documents (``ics``).
"""
