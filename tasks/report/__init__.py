"""Reports: the monthly executive report per trust and the quarterly productivity pack per
clinical group, as Excel workbooks under <reports>/<YYYY-MM>/ (INTERFACE.md).

From the bottom up: style (the look) and its charts and definitions; paths (file names);
model (what a report shows, read from the mart); sheets (what both reports draw alike);
executive, pack and triangulation (the workbooks' sheets); workbooks (writing a month's);
headline and email (the executive email, sent once per figures); task (the Prefect tasks).
"""
