// FieldSink (binary XML -> flat Event fields) and XmlSink (-> Event Viewer style XML). See evtx_sinks.h for
// the flattening rule.
#include "ingest/evtx/evtx_sinks.h"

#include <cstring>

namespace trawl::evtx {

void FieldSink::begin(Event* ev, Arena* arena) {
  ev_ = ev;
  arena_ = arena;
  stack_.clear();
  attrs_.clear();
  text_.clear();
  attr_text_.clear();
  in_attr_ = false;
  elements_ = 0;
}

void FieldSink::add(std::string_view name, std::string_view value) { ev_->add(name, arena_->copy(value)); }

std::string_view FieldSink::joined(std::string_view a, std::string_view b) {
  char* p = arena_->allocate(a.size() + 1 + b.size());
  if (!a.empty()) std::memcpy(p, a.data(), a.size());  // empty views may have a null data()
  p[a.size()] = '_';
  if (!b.empty()) std::memcpy(p + a.size() + 1, b.data(), b.size());
  return std::string_view(p, a.size() + 1 + b.size());
}

void FieldSink::open(std::string_view name) {
  ++elements_;
  Section section = Section::kNone;
  if (!stack_.empty()) {
    stack_.back().has_child = true;
    if (stack_.size() == 1) {
      if (name == "System") section = Section::kSystem;
      else if (name == "EventData") section = Section::kEventData;
      else if (name == "RenderingInfo") section = Section::kRendering;
      else section = Section::kUserData;
    } else {
      section = stack_.back().section;
    }
  }
  stack_.push_back(Frame{name, section, false, false});
  attrs_.clear();
  attr_text_.clear();
  text_.clear();
  in_attr_ = false;
}

void FieldSink::attr(std::string_view name) {
  uint32_t at = uint32_t(attr_text_.size());
  attrs_.push_back(Attr{name, at, at, false});
  in_attr_ = true;
}

void FieldSink::text(std::string_view s) {
  if (in_attr_) {
    if (attrs_.empty()) return;
    attr_text_.append(s);
    attrs_.back().end = uint32_t(attr_text_.size());
    attrs_.back().has_value = true;
    return;
  }
  if (stack_.empty()) return;
  text_.append(s);
  stack_.back().has_text = true;
}

void FieldSink::close_start() { in_attr_ = false; }

void FieldSink::close_empty() {
  in_attr_ = false;
  finish();
}

void FieldSink::end() { finish(); }

void FieldSink::finish() {
  if (stack_.empty()) return;
  const Frame f = stack_.back();
  stack_.pop_back();
  if (!f.has_child && stack_.size() >= 2) {
    auto attr_value = [&](const Attr& a) {
      return std::string_view(attr_text_).substr(a.begin, a.end - a.begin);
    };
    switch (f.section) {
      case Section::kSystem:
        if (f.has_text) add(f.name, text_);
        for (const Attr& a : attrs_) {
          if (!a.has_value) continue;
          if (f.name == "TimeCreated" && a.name == "SystemTime") add("TimeCreated", attr_value(a));
          else add(joined(f.name, a.name), attr_value(a));
        }
        break;
      case Section::kEventData:
        if (f.name == "Data") {
          std::string_view field = "Data";
          bool named = false;
          for (const Attr& a : attrs_) {
            if (a.name == "Name" && a.has_value && a.end > a.begin) {
              field = arena_->copy(attr_value(a));
              named = true;
            }
          }
          if (f.has_text) add(field, text_);
          else if (!named) add(field, std::string_view());  // positional: keep the slot
          break;
        }
        [[fallthrough]];
      case Section::kUserData:
      case Section::kRendering:
      case Section::kNone: {
        const bool rendering = f.section == Section::kRendering;
        std::string_view name = rendering ? joined("RenderingInfo", f.name) : f.name;
        bool any_attr = false;
        if (text_.empty())
          for (const Attr& a : attrs_) any_attr |= a.has_value;
        if (any_attr) {
          for (const Attr& a : attrs_)
            if (a.has_value) add(joined(name, a.name), attr_value(a));
        } else if (f.has_text) {
          add(name, text_);
        }
        break;
      }
    }
  }
  attrs_.clear();
  attr_text_.clear();
  text_.clear();
  in_attr_ = false;
}

// ---------------------------------------------------------------------------------------------------------------

namespace {
void append_escaped(std::string& out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char* rep = nullptr;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      default: continue;
    }
    out.append(s.data() + start, i - start);
    out.append(rep);
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}
}  // namespace

void XmlSink::newline_indent(size_t depth) {
  if (!out_.empty()) out_.push_back('\n');
  out_.append(2 * depth, ' ');
}

void XmlSink::finish_attr() {
  if (!in_attr_) return;
  if (attr_has_value_) out_.push_back('"');
  else out_.resize(attr_start_);  // an absent value: Windows leaves the attribute out
  in_attr_ = false;
}

void XmlSink::open(std::string_view name) {
  finish_attr();
  if (!stack_.empty()) stack_.back().has_child = true;
  newline_indent(stack_.size());
  out_.push_back('<');
  out_.append(name);
  stack_.push_back(Frame{name, false});
}

void XmlSink::attr(std::string_view name) {
  finish_attr();
  attr_start_ = out_.size();
  out_.push_back(' ');
  out_.append(name);
  out_.append("=\"");
  in_attr_ = true;
  attr_has_value_ = false;
}

void XmlSink::close_start() {
  finish_attr();
  out_.push_back('>');
}

void XmlSink::close_empty() {
  finish_attr();
  out_.append("/>");
  if (!stack_.empty()) stack_.pop_back();
}

void XmlSink::end() {
  finish_attr();
  if (stack_.empty()) return;
  if (stack_.back().has_child) newline_indent(stack_.size() - 1);
  out_.append("</");
  out_.append(stack_.back().name);
  out_.push_back('>');
  stack_.pop_back();
}

void XmlSink::text(std::string_view s) {
  if (in_attr_) attr_has_value_ = true;
  append_escaped(out_, s);
}

void XmlSink::pi(std::string_view target, std::string_view data) {
  finish_attr();
  newline_indent(stack_.size());
  out_.append("<?");
  out_.append(target);
  if (!data.empty()) {
    out_.push_back(' ');
    out_.append(data);
  }
  out_.append("?>");
}

}  // namespace trawl::evtx
