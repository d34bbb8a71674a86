-- The words for what moved a figure (mart.ip_driver's components): one home for them, read by
-- the reports' "What moved it" bridges and the executive report's drivers sentence. A staff
-- group is named as the trust's ESR names it, so only the missing one has a label here.
insert into mart.label (kind, code, label, sort) values
    ('driver_component', 'EL', 'elective spells', 1),
    ('driver_component', 'DC', 'day cases', 2),
    ('driver_component', 'NEL', 'non-elective spells', 3),
    ('driver_component', 'OPFA', 'first outpatient attendances', 4),
    ('driver_component', 'OPFU', 'follow-up attendances', 5),
    ('driver_component', 'OPPROC', 'outpatient procedures', 6),
    ('driver_component', 'AE', 'A&E attendances', 7),
    ('driver_component', 'pay_substantive', 'substantive pay', 11),
    ('driver_component', 'pay_bank', 'bank pay', 12),
    ('driver_component', 'pay_agency', 'agency pay', 13),
    ('driver_component', 'non_pay', 'non-pay', 14),
    ('driver_component', 'Not stated', 'staff group not stated', 21);
