-- ferry.text_row(data, extra)
--   An event's row as a text row (docs/decisions/ADR-014-exact-row-encoding.md): a JSON object with the marker "": 1,
--   then each column's output text as a JSON string (JSON null for SQL NULL). data and extra are the event's ev_data
--   and ev_extra: for rows written by queue schema v5, the column names (a JSON array, or the keys of a JSON object) and
--   the row in record text form; for older rows, row_to_json of the row in data and no extra, returned as it is.
--   For readers in SQL (row filters of a consumer, a DBA looking at events); the engine decodes in C# (EventRow).
--   json_populate_record(NULL::tbl, ferry.text_row(...)) reads the row back, except that a json or jsonb column takes
--   the string's content with ->> and a cast.
-- Returns: json.
-- Tables: none.
CREATE OR REPLACE FUNCTION ferry.text_row(p_data json, p_extra text)
RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    v_names  text[];
    v_values text[] := '{}';
    v_nulls  boolean[] := '{}';
    v_i      int := 2;
    v_len    int := length(p_extra);
    v_c      text;
    v_field  text;
    v_quoted boolean;
    v_out    text := '{"":1';
BEGIN
    IF p_extra IS NULL OR p_data IS NULL THEN
        RETURN p_data;
    END IF;
    IF json_typeof(p_data) = 'array' THEN
        v_names := ARRAY(SELECT json_array_elements_text(p_data));
    ELSE
        v_names := ARRAY(SELECT json_object_keys(p_data));
    END IF;
    -- record_in's grammar: fields separated by commas; an empty field is NULL; "..." quotes ("" is a quote inside), and a
    -- backslash escapes the next character anywhere.
    LOOP
        v_c := substr(p_extra, v_i, 1);
        IF v_c IN (',', ')') THEN
            v_values := v_values || NULL::text;
        ELSE
            v_field := '';
            v_quoted := false;
            WHILE v_quoted OR v_c NOT IN (',', ')') LOOP
                IF v_i > v_len THEN
                    RAISE EXCEPTION 'ferry: % is not a record text', p_extra USING ERRCODE = 'invalid_text_representation';
                END IF;
                IF v_c = '\' THEN
                    v_field := v_field || substr(p_extra, v_i + 1, 1);
                    v_i := v_i + 2;
                ELSIF v_c = '"' THEN
                    IF v_quoted AND substr(p_extra, v_i + 1, 1) = '"' THEN
                        v_field := v_field || '"';
                        v_i := v_i + 2;
                    ELSE
                        v_quoted := NOT v_quoted;
                        v_i := v_i + 1;
                    END IF;
                ELSE
                    v_field := v_field || v_c;
                    v_i := v_i + 1;
                END IF;
                v_c := substr(p_extra, v_i, 1);
            END LOOP;
            v_values := v_values || v_field;
        END IF;
        EXIT WHEN v_c = ')';
        v_i := v_i + 1;
    END LOOP;
    IF cardinality(v_values) <> cardinality(v_names) THEN
        RAISE EXCEPTION 'ferry: % names % columns but its row has % fields', p_data, cardinality(v_names), cardinality(v_values)
            USING ERRCODE = 'invalid_text_representation';
    END IF;
    FOR i IN 1 .. cardinality(v_names) LOOP
        v_out := v_out || ',' || to_json(v_names[i])::text || ':' || coalesce(to_json(v_values[i])::text, 'null');
    END LOOP;
    RETURN (v_out || '}')::json;
END
$fn$;
