"""``Idempotency-Key``: stored answers of POSTs that create or use something (SPEC §4).

:mod:`.models` holds the stored answers, :mod:`.service` claims a key and stores an answer; the HTTP side
(the ``Idempotent`` route parameter and the route class that stores a 2xx answer in the request's
transaction) is in :mod:`loyaltyhub.http.idempotency` and :mod:`loyaltyhub.http.routing`.
"""
