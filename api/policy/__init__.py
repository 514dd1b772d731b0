"""Pure decisions the routes apply to what a caller sends: survey answers (``surveys``) and which URLs may
receive webhook pushes (``webhook_urls``)."""
