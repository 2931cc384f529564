-- The seed scenario's tables (Engine/Demo/SeedScenario.cs, README.md), created in the current schema.
-- Runs as-is in psql: set search_path first. Used for the source and for both targets.
CREATE TABLE user_info (
    userid      int,
    engname     text,
    cnname      text,
    occupation  text,
    birthday    date,
    signname    text,
    email       text,
    qq          numeric,
    crt_time    timestamp without time zone,
    mod_time    timestamp without time zone
);

CREATE TABLE user_session (
    userid          int,
    logintime       timestamp(0) without time zone,
    login_count     bigint DEFAULT 0,
    logouttime      timestamp(0) without time zone,
    online_interval interval DEFAULT interval '0'
);

CREATE TABLE user_login_rec (
    userid      int,
    login_time  timestamp without time zone,
    ip          inet
);

CREATE TABLE user_logout_rec (
    userid      int,
    logout_time timestamp without time zone,
    ip          inet
);
