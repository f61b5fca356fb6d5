-- Look ledger rows up by their answer (credits when an answer is decided, a member's history)
-- without scanning the ledger.
CREATE INDEX ledger_by_answer ON ledger (answer_id) WHERE answer_id IS NOT NULL;
