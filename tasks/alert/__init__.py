"""Alert: each adverse variance of the month to the lead of its node, once.

find (the variances, and the labels shared below) <- route (to whose lead) <- compose (the
message) <- outbox (the exactly-once protocol over ops.alert_log, written at its top) <- task
(the Prefect task and its artifact). Each module imports only those to its left.
"""
