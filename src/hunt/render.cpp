#include "hunt/render.h"

#include "core/json_fields.h"
#include "core/text.h"
#include "core/time.h"

namespace trawl {

void append_event_json(std::string& out, const Event& e) {
  out += "{\"timestamp\":";
  if (e.time_us == kNoTime) {
    out += "null";
  } else {
    out.push_back('"');
    append_time_us(out, e.time_us);
    out.push_back('"');
  }
  out += ",\"source\":{\"path\":";
  append_json_string(out, e.file ? std::string_view(e.file->path) : std::string_view());
  out += ",\"record_id\":";
  out += std::to_string(e.record_id);
  out += ",\"offset\":";
  out += std::to_string(e.offset);
  out += "}";
  if (e.file && !e.file->tenant.empty()) {
    out += ",\"tenant\":";
    append_json_string(out, e.file->tenant);
  }
  if (e.recovered) out += ",\"recovered\":true";
  out += ",\"fields\":";
  append_fields_object(
      out, e.fields(), [](const Field& f) { return f.name; }, [](const Field& f) { return f.value; });
  out.push_back('}');
}

void append_xml_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 cannot carry most control characters even escaped: show them as character references
        // in a form a reader sees (the record is attacker-controlled).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\\x";
          static const char* kHex = "0123456789abcdef";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 15]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
}

void append_event_xml(std::string& out, const Event& e) {
  if (e.file && e.file->format == InputFormat::kEvtx && !e.raw.empty()) {
    out.append(e.raw);
    return;
  }
  out += "<Event>";
  for (const Field& f : e.fields()) {
    out += "<Data Name=\"";
    append_xml_escaped(out, f.name);
    out += "\">";
    append_xml_escaped(out, f.value);
    out += "</Data>";
  }
  out += "</Event>";
}

}  // namespace trawl
