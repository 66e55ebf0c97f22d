// Consumers of the decoded binary XML of one record:
//  - FieldSink flattens it into Event fields (the matching path; no XML text is made). The rule:
//      System:    leaf text -> field named by the element (EventID, Channel, ...); every attribute -> Elem_Attr
//                 (Provider_Name, EventID_Qualifiers, Execution_ProcessID, ...), except TimeCreated's
//                 SystemTime, which is the field "TimeCreated".
//      EventData: <Data Name="X">v</Data> -> X=v; <Data>v</Data> -> "Data" (repeated in order, kept even when
//                 empty so positions are preserved); other leaves (Binary, ...) by their element name.
//      UserData (and any other section): every leaf element (no child elements) by its own name when it has
//                 text; a leaf without text gives its attributes as Elem_Attr. Containers are flattened; their
//                 attributes and text are dropped.
//      RenderingInfo: as UserData, names prefixed "RenderingInfo_" (they would collide with System's).
//    A leaf whose content is only null substitutions has no field at all (absent, never "").
//  - XmlSink renders Event Viewer style XML (indented, & < > " escaped in text and attributes; attributes whose
//    value is an absent substitution are left out).
// Not thread-safe: one of each per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/event.h"
#include "ingest/evtx/evtx_binxml.h"

namespace trawl::evtx {

class FieldSink : public BinXmlSink {
 public:
  void begin(Event* ev, Arena* arena);
  void open(std::string_view name) override;
  void attr(std::string_view name) override;
  void close_start() override;
  void close_empty() override;
  void end() override;
  void text(std::string_view utf8) override;
  void pi(std::string_view, std::string_view) override {}
  // Elements seen since begin(): a record without any is not an event.
  size_t elements() const { return elements_; }

 private:
  enum class Section : uint8_t { kNone, kSystem, kEventData, kUserData, kRendering };
  struct Frame {
    std::string_view name;
    Section section;
    bool has_child;
    bool has_text;
  };
  struct Attr {
    std::string_view name;
    uint32_t begin, end;
    bool has_value;
  };
  void finish();
  void add(std::string_view name, std::string_view value);
  std::string_view joined(std::string_view a, std::string_view b);

  Event* ev_ = nullptr;
  Arena* arena_ = nullptr;
  std::vector<Frame> stack_;
  std::vector<Attr> attrs_;
  std::string text_;
  std::string attr_text_;
  bool in_attr_ = false;
  size_t elements_ = 0;
};

class XmlSink : public BinXmlSink {
 public:
  void begin() {
    out_.clear();
    stack_.clear();
    in_attr_ = false;
  }
  const std::string& xml() const { return out_; }
  void open(std::string_view name) override;
  void attr(std::string_view name) override;
  void close_start() override;
  void close_empty() override;
  void end() override;
  void text(std::string_view utf8) override;
  void pi(std::string_view target, std::string_view data) override;

 private:
  struct Frame {
    std::string_view name;
    bool has_child;
  };
  void finish_attr();
  void newline_indent(size_t depth);
  std::string out_;
  std::vector<Frame> stack_;
  bool in_attr_ = false;
  bool attr_has_value_ = false;
  size_t attr_start_ = 0;
};

// Forwards every call to two sinks (fields + XML when DecodeOptions::render_xml is set).
class TeeSink : public BinXmlSink {
 public:
  TeeSink(BinXmlSink& a, BinXmlSink& b) : a_(a), b_(b) {}
  void open(std::string_view n) override { a_.open(n), b_.open(n); }
  void attr(std::string_view n) override { a_.attr(n), b_.attr(n); }
  void close_start() override { a_.close_start(), b_.close_start(); }
  void close_empty() override { a_.close_empty(), b_.close_empty(); }
  void end() override { a_.end(), b_.end(); }
  void text(std::string_view t) override { a_.text(t), b_.text(t); }
  void pi(std::string_view t, std::string_view d) override { a_.pi(t, d), b_.pi(t, d); }

 private:
  BinXmlSink& a_;
  BinXmlSink& b_;
};

}  // namespace trawl::evtx
