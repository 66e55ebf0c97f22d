// EVTX binary XML: the token stream inside each record, compiled and executed. A template definition (the
// reusable skeleton of an event: element names, attribute names, literal text, substitution slots) is compiled
// ONCE per chunk into a flat TemplateProgram keyed by its chunk offset; each record then only parses its
// substitution values and runs the program, emitting SAX-style calls to a BinXmlSink (the field flattener, the
// XML renderer, or both).
//
// Thread-safety: none; one BinXmlDecoder per thread per chunk (it lives in per-thread scratch). Ownership: names
// and literal text of compiled programs are copied into the Arena given at reset() (the batch arena), so field
// names taken from them stay valid as long as the batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/arena.h"

namespace trawl::evtx {

constexpr size_t kChunkSize = 65536;
constexpr size_t kFileHeaderSize = 4096;
constexpr size_t kChunkHeaderSize = 512;
constexpr int kMaxBinXmlDepth = 12;       // nested BinXml substitution values / template instances
constexpr size_t kMaxProgramOps = 65536;  // a template larger than a chunk cannot be honest
// Work budgets against crafted chunks: many overlapping template definitions (memory for compiled programs),
// and element repetition by large arrays (ops executed per record). Real data uses a tiny fraction.
constexpr size_t kMaxChunkProgramOps = 1 << 20;
constexpr size_t kMaxRecordOps = 1 << 20;

inline uint16_t rd16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t rd32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline uint64_t rd64(const uint8_t* p) { return uint64_t(rd32(p)) | (uint64_t(rd32(p + 4)) << 32); }

// Receives the document, in order. Attribute values and element content arrive as text() pieces (values are
// already rendered to UTF-8 text); a null substitution arrives as nothing at all.
class BinXmlSink {
 public:
  virtual ~BinXmlSink() = default;
  virtual void open(std::string_view name) = 0;
  virtual void attr(std::string_view name) = 0;
  virtual void close_start() = 0;  // '>' : content follows
  virtual void close_empty() = 0;  // '/>'
  virtual void end() = 0;          // '</name>'
  virtual void text(std::string_view utf8) = 0;
  virtual void pi(std::string_view target, std::string_view data) = 0;
};

// Renders one substitution value (type byte, bytes) as Windows prints it, appending to `out`. Returns false for
// a value that cannot be what its type says (short fixed-size value, invalid UTF-16). Null/empty values append
// nothing and return true. BinXml (0x21) is not handled here (the decoder recurses into it).
bool render_value(uint8_t type, const uint8_t* p, size_t n, std::string& out);
// Splits an array value (type with 0x80) into its items: (offset within the value, size) pairs; string arrays
// are NUL-separated (the NULs are not part of the items). False when the bytes do not divide into items.
bool split_array(uint8_t type, const uint8_t* p, size_t n, std::vector<std::pair<uint32_t, uint32_t>>& items);
// Appends `units` UTF-16LE code units as UTF-8; false (with U+FFFD written) when a surrogate is unpaired.
bool append_utf16(std::string& out, const uint8_t* p, size_t units);

enum class OpCode : uint8_t {
  kOpen,        // str = element name
  kAttr,        // str = attribute name
  kCloseStart,
  kCloseEmpty,
  kEnd,
  kText,        // str = literal UTF-8 text (value text, CDATA, resolved entity/char refs)
  kSubst,       // index, optional
  kPITarget,    // str = target
  kPIData,      // str = data
  kTemplate,    // a = template definition offset, b = instance data offset, c = instance data end (chunk-relative)
};

struct Op {
  explicit Op(OpCode c, std::string_view s = std::string_view()) : code(c), str(s) {}
  OpCode code;
  bool optional = false;
  uint16_t index = 0;
  uint32_t a = 0, b = 0, c = 0;
  std::string_view str;
};

struct TemplateProgram {
  enum class State : uint8_t { kCompiling, kReady, kBad } state = State::kCompiling;
  std::vector<Op> ops;
  std::string error;
};

// Per-thread state for decoding the records of one chunk.
class BinXmlDecoder {
 public:
  // Starts a new chunk: forgets every compiled template. `arena` receives names and literal text.
  // `use_cache=false` is the slow reference path: every template instance recompiles its definition.
  void reset(const uint8_t* chunk, size_t chunk_size, Arena* arena, bool use_cache = true);

  // Decodes the binary XML stream at chunk offsets [begin, end) (one record's event data) into `sink`.
  // Returns false with a message in error() when the stream is damaged; the sink may have seen a prefix.
  bool decode_record(uint32_t begin, uint32_t end, BinXmlSink& sink);
  const std::string& error() const { return error_; }
  // Records a caller-side error about the record at chunk offset `at`; returns false.
  bool set_error(uint32_t at, const char* what) { return fail(at, what); }
  size_t templates_compiled() const { return compiled_count_; }

 private:
  struct Value {
    uint8_t type;
    uint32_t offset;  // chunk-relative
    uint32_t size;
  };
  bool fail(uint32_t at, const char* what);
  bool fail_str(uint32_t at, std::string what);
  // Compiles tokens from [pos, end) into `out` until EOF (or end); `in_subst` = inside a BinXml value
  // (elements carry no dependency id). Returns the position after the last token in *stop.
  bool compile(uint32_t pos, uint32_t end, bool in_subst, std::vector<Op>& out, uint32_t* stop, int depth);
  bool read_name(uint32_t& pos, uint32_t end, std::string_view& name);
  bool read_utf16_text(uint32_t& pos, uint32_t end, std::string_view& text);
  const TemplateProgram* get_template(uint32_t def_offset, int depth);
  // Replays one element once per item of an array substitution in its content (Windows repeats the element).
  struct ArrayItem {
    size_t op_index;
    uint32_t offset, size;  // the item's bytes, chunk-relative
  };
  bool run(const std::vector<Op>& ops, const Value* values, size_t nvalues, BinXmlSink& sink, int depth) {
    return run_range(ops, 0, ops.size(), values, nvalues, sink, depth, nullptr);
  }
  bool run_range(const std::vector<Op>& ops, size_t begin, size_t end, const Value* values, size_t nvalues,
                 BinXmlSink& sink, int depth, const ArrayItem* item);
  bool run_template(const Op& op, BinXmlSink& sink, int depth);
  bool emit_value(const Value& v, BinXmlSink& sink, int depth);

  const uint8_t* chunk_ = nullptr;
  size_t size_ = 0;
  Arena* arena_ = nullptr;
  bool use_cache_ = true;
  std::unordered_map<uint32_t, std::unique_ptr<TemplateProgram>> cache_;
  std::vector<std::unique_ptr<TemplateProgram>> uncached_;  // reference path: owned until the next reset
  std::unordered_map<uint32_t, std::string_view> names_;    // name offset -> UTF-8 name in the arena
  std::vector<std::vector<Op>> stream_ops_;                  // per depth: ops of a non-template stream
  std::vector<std::vector<Value>> values_;                   // per depth: substitution values
  std::vector<std::pair<uint32_t, uint32_t>> items_;
  std::string scratch_;
  std::string error_;
  size_t compiled_count_ = 0;
  size_t chunk_ops_ = 0;   // ops held by compiled programs of this chunk
  size_t record_ops_ = 0;  // ops executed for the current record
};

}  // namespace trawl::evtx
