-- Prefect's metadata lives in its own database beside prodpack's data.
create database prefect;
\connect prefect
create extension if not exists pg_trgm;
