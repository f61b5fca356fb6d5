-- Copied texts can be looked for across every batch (duplicate_scope "all"), not only in one.
CREATE INDEX answers_by_text_key_anywhere ON answers (text_key) WHERE text_key IS NOT NULL;
