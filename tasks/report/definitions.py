"""What the figures mean, in plain English: the Definitions sheet of every report, and the
efficiency indicators' definition the packs add."""

from __future__ import annotations

from tasks.report.style import RAG_GREEN_FROM, RAG_RED_BELOW

DEFINITIONS = [
    ("Implied productivity (cost), IPc",
     ("How much faster the hospital's output has grown than its real-terms spending, compared "
     "with the same months of the base year. +5% means 5% more patient care for each pound "
     "(at base-year prices) than in the base year; -5% means 5% less.")),
    ("Implied productivity (workforce), IPw",
     "The same comparison against staff in post (whole-time equivalents) instead of spending."),
    ("Cost-weighted activity",
     ("Patient care counted so that each kind weighs what it costs: every spell, attendance "
     "and procedure is valued at the base year's unit cost for that kind of care, so a hip "
     "replacement counts for more than a follow-up appointment. Only attended appointments count.")),
    ("Activity growth index",
     "Cost-weighted activity now divided by the same months of the base year. 1.08 means 8% more."),
    ("Real-terms cost growth index",
     ("Pay and non-pay spending (not income) with pay and price inflation taken out, divided by "
     "the same months of the base year.")),
    ("Workforce growth index",
     ("Average whole-time equivalent staff in post (substantive and bank) divided by the same "
     "months of the base year. Agency staff appear in cost only.")),
    ("Cost opportunity",
     ("What was spent above what the activity delivered would have needed at base-year "
     "productivity. Positive: spending more than baseline productivity needs, the size of the "
     "prize for cost improvement plans. Negative: spending less than that. Shown at base-year "
     "prices and at today's prices (uplifted by this year's pay and non-pay inflation).")),
    ("WTE opportunity",
     ("Staff in post above what the activity delivered would have needed at base-year "
     "productivity, in whole-time equivalents.")),
    ("Month, quarter to date, year to date",
     ("The report month; the months of its financial quarter so far; the months of the "
     "financial year so far (April onwards). Each is compared with the same months of the "
     "base year.")),
    ("Rank among peers",
     ("Trusts ranked on implied productivity (cost) for the same window, where several trusts "
     "are loaded or published peer figures are supplied. 1st is the most productive; ties "
     "share the better rank.")),
    ("RAG",
     (f"Green: implied productivity (cost) at or above {RAG_GREEN_FROM:.0%}. Amber: from "
     f"{RAG_RED_BELOW:.0%} up to {RAG_GREEN_FROM:.0%}. Red: below {RAG_RED_BELOW:.0%}.")),
    ("n/a",
     ("A figure that cannot be calculated, with the reason beside it. Support and corporate "
     "services deliver no patient activity, so they have no implied productivity; their cost "
     "and staff growth are still shown.")),
    ("Trust figures",
     ("The trust is everything booked to it, including cost centres and treatment functions not "
     "yet mapped to a service, so it can differ from the sum of its clinical groups.")),
    ("Data-quality notes",
     ("Warnings from the checks run on this month's data before the figures were calculated, "
     "shown beside the figures they touch. A check that fails with an error stops a trust's "
     "reports being published.")),
]

EFFICIENCY_DEFINITIONS = [
    ("Efficiency indicators",
     ("Nine measures from the Better Value, Better Care set, this year to date against the "
     "same months of the base year. Average length of stay: bed days per spell. Day case rate: "
     "day cases as a share of elective and day case spells. Pre-operative bed days: days in "
     "hospital before an elective operation. Follow-up ratio: outpatient follow-ups per first "
     "attendance. DNA rate: appointments not attended. Agency share: agency pay as a share of "
     "all pay. Sickness absence: days lost as a share of staff days available. Cost per £ of "
     "cost-weighted activity: real-terms cost per pound of activity at base-year prices. For "
     "rates, the change is in percentage points.")),
]
