-- From this version on, text and jsonb values are written with U+0000 (which PostgreSQL cannot
-- store) escaped as U+E000 '0', and U+E000 itself as U+E000 U+E000 (see pg-text.ts). Rows written
-- before hold U+E000 unescaped: double it, so they read back as they were written. chr(57344) is
-- U+E000; rows without it are left untouched.
UPDATE agent_conversations SET cid = replace(cid, chr(57344), chr(57344) || chr(57344))
  WHERE strpos(cid, chr(57344)) > 0;
UPDATE agent_messages SET content = replace(content, chr(57344), chr(57344) || chr(57344))
  WHERE strpos(content, chr(57344)) > 0;
UPDATE agent_playbook_entries SET
    cid = replace(cid, chr(57344), chr(57344) || chr(57344)),
    insight_type = replace(insight_type, chr(57344), chr(57344) || chr(57344)),
    key = replace(key, chr(57344), chr(57344) || chr(57344)),
    value = replace(value, chr(57344), chr(57344) || chr(57344)),
    source_feedback = replace(source_feedback, chr(57344), chr(57344) || chr(57344)),
    tags = replace(tags::text, chr(57344), chr(57344) || chr(57344))::jsonb
  WHERE strpos(cid || insight_type || key || value || source_feedback || tags::text, chr(57344)) > 0;
UPDATE agent_playbook_operations SET
    cid = replace(cid, chr(57344), chr(57344) || chr(57344)),
    extracted_data = replace(extracted_data::text, chr(57344), chr(57344) || chr(57344))::jsonb,
    error_message = replace(error_message, chr(57344), chr(57344) || chr(57344)),
    source_feedback = replace(source_feedback, chr(57344), chr(57344) || chr(57344))
  WHERE strpos(cid || extracted_data::text || coalesce(error_message, '') || source_feedback, chr(57344)) > 0;
