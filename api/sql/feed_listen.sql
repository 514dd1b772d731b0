-- The channels migration 0019's triggers notify (a center's feed pages changed, an API key changed).
LISTEN carecast_feed;
LISTEN carecast_api_key
