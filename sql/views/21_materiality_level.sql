-- drops: function core.materiality_level(float8, float8, float8, float8)
-- The materiality rule of the data-quality checks that judge a code by its share of the
-- trust (unmapped cost centres, unknown subjectives, unmapped treatment functions): 2 (error)
-- when the part is at least `error` of the whole, 1 (warn) at least `warn`, else 0 (info).
-- A plain SQL expression, so PostgreSQL inlines it.
create function core.materiality_level(part float8, whole float8, warn float8, error float8)
returns int language sql immutable parallel safe as $$
    select case when part >= error * whole then 2 when part >= warn * whole then 1 else 0 end
$$;
