"""The rewards program: the club's points currency (a ledger of expiring lots), the rewards catalogue
bought with points, and the program's configuration and memberships.

* :mod:`.points`: the ledger (earn, spend, expire, correct, cancel), member status, grant points, POS points;
* :mod:`.catalogue`: rewards with stock, purchase and use;
* :mod:`.program`: the program (levels, expiry policy, activation time), join and leave.
"""
