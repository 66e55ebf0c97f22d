// JSON log decoder: Windows events exported as JSON, one object per line or concatenated (pretty-printed)
// objects, or a top-level array of objects, in the three shapes people export:
//   - evtx_dump / Chainsaw / Hayabusa: {"Event":{"System":{...},"EventData":{...}|"UserData":{...}}}
//   - Winlogbeat / Elastic:            {"@timestamp":..,"winlog":{"channel":..,"event_id":..,"event_data":{...}}}
//   - flat (Mordor / OTRF, SIEM exports): {"EventID":4688,"Channel":"Security","NewProcessName":...}
// Every shape is mapped to the field names the EVTX decoder produces (EventID, Channel, Computer,
// Provider_Name, TimeCreated, EventData leaves by name), so rules match the same way whatever the export.
// Units are blocks of whole documents; a document that does not parse is one counted error, never fatal.
#pragma once

#include <memory>
#include <string_view>

#include "ingest/decoder.h"

namespace trawl {

// True when the first non-blank byte is '{' or '['.
bool looks_like_json(std::string_view head);

Result<std::unique_ptr<Decoder>> open_json_log(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                               const DecodeOptions& opt);

// Flattens one JSON document (text) into `e`, copying names and values into `batch`'s arena. Returns false
// (and sets *error) when the text is not a JSON object. Exposed for the reference tests and the fuzzer.
bool decode_json_document(std::string_view doc, EventBatch& batch, Event& e, std::string* error);

}  // namespace trawl
