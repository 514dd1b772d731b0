"""The API's database side: reads behind the routes (``repository``) and booking actions (``bookings``), all
through the named SQL in ``api/sql``."""
