"""What the figures mean, in plain English: the Definitions sheet of every report, and the
efficiency indicators' definition the packs add. 'the base year' and 'the national target'
are put in words for the report's own base year and target when written."""

from __future__ import annotations

from tasks.report.style import RAG_GREEN_FROM, RAG_RED_BELOW

DEFINITIONS = [
    ("Two lenses: against the base year and against last year",
     ("Every figure is shown twice. Against the base year: the same months of the base year, "
     "the measure boards track for the return to pre-pandemic productivity. Against last "
     "year: the same months of last year, the measure NHS England uses in its monthly "
     "productivity growth estimates, which help place trusts in the NHS Oversight Framework "
     "and are read against the national target. Both lenses value activity at the base "
     "year's unit costs and take each year's own pay and price inflation out of its spending, "
     "so each compares like with like.")),
    ("Implied productivity (cost), IPc",
     ("How much faster the hospital's output has grown than its real-terms spending, compared "
     "with the same months of the base year (or, on the second lens, of last year). +5% means "
     "5% more patient care for each pound (at base-year prices) than then; -5% means 5% less.")),
    ("Year-on-year productivity growth",
     ("Implied productivity (cost) year to date against the same months of last year: NHS "
     "England's productivity growth estimate, as the sheet 'As NHS England measures it' lays "
     "it out. It equals (1 + cost-weighted activity growth) ÷ (1 + real-terms resource "
     "growth) − 1. Read against the national target: Met at or above it, Not met below.")),
    ("Cost-weighted activity growth",
     ("The activity growth index less one: +3.0% means 3% more cost-weighted activity than in "
     "the same months of the comparison year.")),
    ("Real-terms resource growth",
     ("The real-terms cost growth index less one: the growth of pay and non-pay spending with "
     "each year's pay and price inflation taken out.")),
    ("No prior-year data",
     ("A figure against last year needs every month it compares with loaded for the ledger, "
     "ESR and activity. Until they are, it is not calculated, and the report says so in words "
     "rather than showing a number.")),
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
     "base year and of last year.")),
    ("Rank among peers",
     ("Trusts ranked on implied productivity (cost) for the same window and lens, where "
     "several trusts are loaded or published peer figures are supplied (against last year, "
     "NHS England's published file can be loaded as peers). 1st is the most productive; ties "
     "share the better rank.")),
    ("RAG",
     (f"Green: implied productivity (cost) against the base year at or above "
     f"{RAG_GREEN_FROM:.0%}. Amber: from {RAG_RED_BELOW:.0%} up to {RAG_GREEN_FROM:.0%}. Red: "
     f"below {RAG_RED_BELOW:.0%}. Against last year the colours read the national target: "
     "Green at or above it, Red below.")),
    ("n/a",
     ("A figure that cannot be calculated, with the reason beside it. Support and corporate "
     "services deliver no patient activity, so they have no implied productivity; their cost "
     "and staff growth are still shown.")),
    ("Trust figures",
     ("The trust is everything booked to it, including cost centres and treatment functions not "
     "yet mapped to a service, so it can differ from the sum of its clinical groups.")),
    ("What moved it",
     ("Each index split into the parts that make up its growth, so the parts add up to the "
     "index: activity by point of delivery (elective spells, day cases, non-elective spells, "
     "outpatient attendances and procedures, A&E attendances), real-terms cost by kind of "
     "spend (substantive, bank and agency pay; non-pay), staff in post by staff group. A part "
     "is shown in points of an index on which the same months of the base year are 100: "
     "+2.3 points of cost growth means that part alone raised cost by 2.3% of what it was "
     "then. Activity growth raises implied productivity; cost and staff growth lower it. On "
     "the cost side each part's cost opportunity adds up to the node's.")),
    ("Revisions",
     ("A figure once published keeps its first value on record. When a file it was "
     "calculated from is corrected or a past month restated, the figure is recalculated; the "
     "executive report lists those that moved by more than 0.1 percentage point since last "
     "month's report, first value beside today's, with the files that moved them.")),
    ("Sources",
     ("The files the figures were calculated from: the trust's extracts and the reference "
     "files, each with its SHA-256 fingerprint, when it was loaded, its rows loaded and "
     "set aside (quarantined) and the months it holds.")),
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
