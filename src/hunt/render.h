// Renders decoded events for `trawl dump`: one JSON object per record (the same field names hunt matches on,
// the record's time, source path, record number and byte offset), or XML (EVTX records as Windows renders
// them; other records as <Event> with one <Data Name=...> per field). Pure functions, thread-safe.
#pragma once

#include <string>

#include "core/event.h"

namespace trawl {

// {"timestamp":"...","source":{"path":"...","record_id":N,"offset":N},"recovered":true?,"fields":{...}}
void append_event_json(std::string& out, const Event& e);
void append_event_xml(std::string& out, const Event& e);
void append_xml_escaped(std::string& out, std::string_view s);

}  // namespace trawl
