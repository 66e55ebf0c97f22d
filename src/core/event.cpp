#include "core/event.h"

#include "core/text.h"

namespace trawl {

const char* input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kEvtx: return "evtx";
    case InputFormat::kJsonLog: return "json";
    case InputFormat::kZeekTsv: return "zeek-tsv";
    case InputFormat::kZeekJson: return "zeek-json";
    case InputFormat::kUnknown: break;
  }
  return "unknown";
}

const std::string_view* Event::find_nocase(std::string_view name) const {
  if (const std::string_view* v = find(name)) return v;
  for (const Field& f : fields_)
    if (iequals(f.name, name)) return &f.value;
  return nullptr;
}

}  // namespace trawl
