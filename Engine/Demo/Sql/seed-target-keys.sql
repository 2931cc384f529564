-- Targets carry the same primary keys as the source's two user tables.
ALTER TABLE user_info ADD CONSTRAINT pk_user_info PRIMARY KEY (userid);
ALTER TABLE user_session ADD CONSTRAINT pk_user_session PRIMARY KEY (userid);
CREATE SEQUENCE seq_login_id;
CREATE SEQUENCE seq_logout_id;
