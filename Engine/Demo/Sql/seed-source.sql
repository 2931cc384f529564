-- The seed scenario's source data, sequences and workload functions, in the current schema.
-- Psql variable :users is the number of users (the document uses 200000).
INSERT INTO user_info (userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time)
SELECT g, 'digoal.zhou', '德哥', 'DBA', '1970-01-01',
       E'公益是一辈子的事, I\'m Digoal.Zhou, Just do it!', 'digoal@example.org', 276732431, clock_timestamp(), NULL
FROM generate_series(1, :users) AS g;

INSERT INTO user_session (userid) SELECT generate_series(1, :users);

ALTER TABLE user_info ADD CONSTRAINT pk_user_info PRIMARY KEY (userid);
ALTER TABLE user_session ADD CONSTRAINT pk_user_session PRIMARY KEY (userid);

-- The document replicates two sequences; it does not name them. These two are used by the workload's callers.
CREATE SEQUENCE seq_login_id;
CREATE SEQUENCE seq_logout_id;

CREATE FUNCTION f_user_login(i_userid int,
    OUT o_userid int, OUT o_engname text, OUT o_cnname text, OUT o_occupation text,
    OUT o_birthday date, OUT o_signname text, OUT o_email text, OUT o_qq numeric)
AS $body$
BEGIN
    SELECT userid, engname, cnname, occupation, birthday, signname, email, qq
      INTO o_userid, o_engname, o_cnname, o_occupation, o_birthday, o_signname, o_email, o_qq
      FROM user_info WHERE userid = i_userid;
    INSERT INTO user_login_rec (userid, login_time, ip) VALUES (i_userid, now(), inet_client_addr());
    UPDATE user_session SET logintime = now(), login_count = login_count + 1 WHERE userid = i_userid;
    RETURN;
END;
$body$ LANGUAGE plpgsql;

CREATE FUNCTION f_user_logout(i_userid int, OUT o_result int)
AS $body$
BEGIN
    INSERT INTO user_logout_rec (userid, logout_time, ip) VALUES (i_userid, now(), inet_client_addr());
    UPDATE user_session SET logouttime = now(), online_interval = online_interval + (now() - logintime)
     WHERE userid = i_userid;
    o_result := 0;
    RETURN;
EXCEPTION WHEN others THEN
    o_result := 1;
    RETURN;
END;
$body$ LANGUAGE plpgsql;
