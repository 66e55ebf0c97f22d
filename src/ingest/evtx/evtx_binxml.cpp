// EVTX binary XML compiler and executor (see evtx_binxml.h). Every read is checked against the end of the
// stream being parsed, which itself never exceeds the chunk; offsets taken from the data (names, template
// definitions) are checked against the chunk size before use.
#include "ingest/evtx/evtx_binxml.h"

#include "core/utf8.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace trawl::evtx {

namespace {

enum Token : uint8_t {
  kTokEof = 0x00,
  kTokOpenStart = 0x01,
  kTokCloseStart = 0x02,
  kTokCloseEmpty = 0x03,
  kTokEnd = 0x04,
  kTokValue = 0x05,
  kTokAttribute = 0x06,
  kTokCData = 0x07,
  kTokCharRef = 0x08,
  kTokEntityRef = 0x09,
  kTokPITarget = 0x0a,
  kTokPIData = 0x0b,
  kTokTemplateInstance = 0x0c,
  kTokNormalSubst = 0x0d,
  kTokOptionalSubst = 0x0e,
  kTokFragmentHeader = 0x0f,
};

constexpr uint8_t kTypeBinXml = 0x21;


}  // namespace

bool append_utf16(std::string& out, const uint8_t* p, size_t units) {
  // Fast path: pure ASCII (the vast majority of event text) is a byte-narrowing copy.
  size_t old = out.size();
  out.resize(old + units);
  char* d = out.data() + old;
  size_t i = 0;
  for (; i < units; ++i) {
    uint8_t lo = p[2 * i], hi = p[2 * i + 1];
    if (hi != 0 || lo >= 0x80) break;
    d[i] = char(lo);
  }
  if (i == units) return true;
  out.resize(old + i);
  bool ok = true;
  for (; i < units; ++i) {
    uint32_t u = rd16(p + 2 * i);
    if (u < 0x80) {
      out.push_back(char(u));
    } else if (u >= 0xD800 && u < 0xDC00) {
      if (i + 1 < units) {
        uint32_t u2 = rd16(p + 2 * i + 2);
        if (u2 >= 0xDC00 && u2 < 0xE000) {
          uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
          out.push_back(char(0xF0 | (cp >> 18)));
          out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
          out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(char(0x80 | (cp & 0x3F)));
          ++i;
          continue;
        }
      }
      ok = false;
      out.append("\xEF\xBF\xBD");
    } else if (u >= 0xDC00 && u < 0xE000) {
      ok = false;
      out.append("\xEF\xBF\xBD");
    } else {
      append_utf8(out, u);
    }
  }
  return ok;
}

void BinXmlDecoder::reset(const uint8_t* chunk, size_t chunk_size, Arena* arena, bool use_cache) {
  chunk_ = chunk;
  size_ = chunk_size;
  arena_ = arena;
  use_cache_ = use_cache;
  cache_.clear();
  uncached_.clear();
  names_.clear();
  if (stream_ops_.size() < kMaxBinXmlDepth + 2) stream_ops_.resize(kMaxBinXmlDepth + 2);
  if (values_.size() < kMaxBinXmlDepth + 2) values_.resize(kMaxBinXmlDepth + 2);
  compiled_count_ = 0;
  chunk_ops_ = 0;
}

bool BinXmlDecoder::fail(uint32_t at, const char* what) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s (chunk offset 0x%x)", what, unsigned(at));
  error_ = buf;
  return false;
}

bool BinXmlDecoder::fail_str(uint32_t at, std::string what) { return fail(at, what.c_str()); }

bool BinXmlDecoder::read_name(uint32_t& pos, uint32_t end, std::string_view& name) {
  if (uint64_t(pos) + 4 > end) return fail(pos, "truncated binary XML: name offset");
  uint32_t off = rd32(chunk_ + pos);
  pos += 4;
  if (off == pos) {
    // The name is stored inline, right here: skip over it (it is read below through the cache like any other).
    if (uint64_t(pos) + 8 > end) return fail(pos, "truncated binary XML: inline name");
    uint32_t nchars = rd16(chunk_ + pos + 6);
    uint64_t len = 8 + 2 * (uint64_t(nchars) + 1);
    if (pos + len > end) return fail(pos, "truncated binary XML: inline name text");
    pos += uint32_t(len);
  }
  auto it = names_.find(off);
  if (it != names_.end()) {
    name = it->second;
    return true;
  }
  if (uint64_t(off) + 8 > size_) return fail(off, "name offset outside the chunk");
  uint32_t nchars = rd16(chunk_ + off + 6);
  if (uint64_t(off) + 8 + 2 * uint64_t(nchars) > size_) return fail(off, "name text outside the chunk");
  scratch_.clear();
  if (!append_utf16(scratch_, chunk_ + off + 8, nchars)) return fail(off, "invalid UTF-16 in a name");
  name = arena_->copy(scratch_);
  names_.emplace(off, name);
  return true;
}

bool BinXmlDecoder::read_utf16_text(uint32_t& pos, uint32_t end, std::string_view& text) {
  if (uint64_t(pos) + 2 > end) return fail(pos, "truncated binary XML: text length");
  uint32_t nchars = rd16(chunk_ + pos);
  pos += 2;
  if (uint64_t(pos) + 2 * uint64_t(nchars) > end) return fail(pos, "truncated binary XML: text");
  scratch_.clear();
  if (!append_utf16(scratch_, chunk_ + pos, nchars)) return fail(pos, "invalid UTF-16 in text");
  pos += 2 * nchars;
  text = arena_->copy(scratch_);
  return true;
}

bool BinXmlDecoder::compile(uint32_t pos, uint32_t end, bool in_subst, std::vector<Op>& out, uint32_t* stop,
                            int depth) {
  if (end > size_) end = uint32_t(size_);
  while (pos < end) {
    if (out.size() > kMaxProgramOps) return fail(pos, "binary XML has too many tokens");
    const uint8_t tok = chunk_[pos];
    const bool more = (tok & 0x40) != 0;
    switch (tok & 0xBF) {
      case kTokEof:
        *stop = pos + 1;
        return true;
      case kTokFragmentHeader:
        if (more) return fail(pos, "invalid fragment header token");
        if (uint64_t(pos) + 4 > end) return fail(pos, "truncated binary XML: fragment header");
        pos += 4;
        break;
      case kTokOpenStart: {
        uint32_t p = pos + 1;
        uint32_t dep = in_subst ? 0 : 2;
        if (uint64_t(p) + dep + 4 > end) return fail(pos, "truncated binary XML: element start");
        uint32_t data_size = rd32(chunk_ + p + dep);
        // Some writers leave the dependency id out even outside substitutions: an element size that cannot
        // fit in the chunk means the two bytes we skipped were the size's low half (upstream's heuristic).
        if (dep && data_size >= size_ - pos) dep = 0;
        p += dep + 4;
        Op op(OpCode::kOpen);
        if (!read_name(p, end, op.str)) return false;
        if (more) {
          if (uint64_t(p) + 4 > end) return fail(pos, "truncated binary XML: attribute list size");
          p += 4;
        }
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokCloseStart:
        out.push_back(Op(OpCode::kCloseStart));
        ++pos;
        break;
      case kTokCloseEmpty:
        out.push_back(Op(OpCode::kCloseEmpty));
        ++pos;
        break;
      case kTokEnd:
        out.push_back(Op(OpCode::kEnd));
        ++pos;
        break;
      case kTokValue: {
        if (uint64_t(pos) + 2 > end) return fail(pos, "truncated binary XML: value");
        uint8_t vtype = chunk_[pos + 1];
        uint32_t p = pos + 2;
        Op op(OpCode::kText);
        if (vtype == 0x01) {
          if (!read_utf16_text(p, end, op.str)) return false;
        } else if (vtype == 0x02) {
          // Rare: an ANSI value text, length-prefixed like the UTF-16 form.
          if (uint64_t(p) + 2 > end) return fail(pos, "truncated binary XML: value");
          uint32_t n = rd16(chunk_ + p);
          p += 2;
          if (uint64_t(p) + n > end) return fail(pos, "truncated binary XML: value");
          scratch_.clear();
          render_value(0x02, chunk_ + p, n, scratch_);
          op.str = arena_->copy(scratch_);
          p += n;
        } else {
          return fail_str(pos, "unsupported value text type " + std::to_string(vtype));
        }
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokAttribute: {
        uint32_t p = pos + 1;
        Op op(OpCode::kAttr);
        if (!read_name(p, end, op.str)) return false;
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokCData: {
        uint32_t p = pos + 1;
        Op op(OpCode::kText);
        if (!read_utf16_text(p, end, op.str)) return false;
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokCharRef: {
        if (uint64_t(pos) + 3 > end) return fail(pos, "truncated binary XML: character reference");
        scratch_.clear();
        append_utf8(scratch_, rd16(chunk_ + pos + 1));
        out.push_back(Op(OpCode::kText, arena_->copy(scratch_)));
        pos += 3;
        break;
      }
      case kTokEntityRef: {
        uint32_t p = pos + 1;
        std::string_view name;
        if (!read_name(p, end, name)) return false;
        std::string_view text;
        if (name == "lt") text = "<";
        else if (name == "gt") text = ">";
        else if (name == "amp") text = "&";
        else if (name == "quot") text = "\"";
        else if (name == "apos") text = "'";
        else {
          scratch_.assign("&").append(name).append(";");
          text = arena_->copy(scratch_);
        }
        out.push_back(Op(OpCode::kText, text));
        pos = p;
        break;
      }
      case kTokPITarget: {
        if (more) return fail(pos, "invalid PI target token");
        uint32_t p = pos + 1;
        Op op(OpCode::kPITarget);
        if (!read_name(p, end, op.str)) return false;
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokPIData: {
        if (more) return fail(pos, "invalid PI data token");
        uint32_t p = pos + 1;
        Op op(OpCode::kPIData);
        if (!read_utf16_text(p, end, op.str)) return false;
        out.push_back(op);
        pos = p;
        break;
      }
      case kTokTemplateInstance: {
        if (more) return fail(pos, "invalid template instance token");
        uint32_t p = pos + 1;
        if (uint64_t(p) + 9 > end) return fail(pos, "truncated binary XML: template instance");
        uint32_t def = rd32(chunk_ + p + 5);
        p += 9;
        if (def == p) {
          // The definition is inline (first use in this chunk): skip it; it is compiled through the cache.
          if (uint64_t(p) + 24 > end) return fail(p, "truncated binary XML: template definition header");
          uint64_t def_end = uint64_t(p) + 24 + rd32(chunk_ + p + 20);
          if (def_end > end) return fail(p, "truncated binary XML: template definition");
          p = uint32_t(def_end);
        }
        if (uint64_t(p) + 4 > end) return fail(p, "truncated binary XML: template value count");
        uint32_t n = rd32(chunk_ + p);
        if (uint64_t(n) * 4 > end - p - 4) return fail(p, "truncated binary XML: template value descriptors");
        uint64_t total = 0;
        for (uint32_t i = 0; i < n; ++i) total += rd16(chunk_ + p + 4 + 4 * i);
        uint64_t vend = uint64_t(p) + 4 + 4 * uint64_t(n) + total;
        if (vend > end) return fail(p, "truncated binary XML: template values");
        Op op(OpCode::kTemplate);
        op.a = def;
        op.b = p;
        op.c = uint32_t(vend);
        out.push_back(op);
        pos = uint32_t(vend);
        break;
      }
      case kTokNormalSubst:
      case kTokOptionalSubst: {
        if (more) return fail(pos, "invalid substitution token");
        if (uint64_t(pos) + 4 > end) return fail(pos, "truncated binary XML: substitution");
        Op op(OpCode::kSubst);
        op.optional = (tok == kTokOptionalSubst);
        op.index = rd16(chunk_ + pos + 1);
        out.push_back(op);
        pos += 4;
        break;
      }
      default: {
        char buf[48];
        std::snprintf(buf, sizeof buf, "unknown binary XML token 0x%02x", unsigned(tok));
        return fail(pos, buf);
      }
    }
  }
  (void)depth;
  *stop = pos;
  return true;
}

const TemplateProgram* BinXmlDecoder::get_template(uint32_t def, int depth) {
  if (use_cache_) {
    auto it = cache_.find(def);
    if (it != cache_.end()) {
      const TemplateProgram* t = it->second.get();
      if (t->state == TemplateProgram::State::kReady) return t;
      if (t->state == TemplateProgram::State::kCompiling) {
        fail(def, "template definition refers to itself");
        return nullptr;
      }
      error_ = t->error;
      return nullptr;
    }
  }
  auto prog = std::make_unique<TemplateProgram>();
  TemplateProgram* t = prog.get();
  if (use_cache_) {
    cache_.emplace(def, std::move(prog));
  } else {
    uncached_.push_back(std::move(prog));
  }
  ++compiled_count_;
  bool ok;
  if (uint64_t(def) + 24 > size_) {
    ok = fail(def, "template definition offset outside the chunk");
  } else {
    uint64_t body_end = uint64_t(def) + 24 + rd32(chunk_ + def + 20);
    if (body_end > size_) {
      ok = fail(def, "template definition runs past the chunk");
    } else {
      uint32_t stop;
      ok = compile(def + 24, uint32_t(body_end), false, t->ops, &stop, depth);
    }
  }
  if (!ok) {
    t->state = TemplateProgram::State::kBad;
    t->error = error_;
    t->ops.clear();
    return nullptr;
  }
  chunk_ops_ += t->ops.size();
  if (chunk_ops_ > kMaxChunkProgramOps) {
    fail(def, "template programs of this chunk exceed the work budget");
    t->state = TemplateProgram::State::kBad;
    t->error = error_;
    t->ops.clear();
    return nullptr;
  }
  t->state = TemplateProgram::State::kReady;
  return t;
}

bool BinXmlDecoder::run_template(const Op& op, BinXmlSink& sink, int depth) {
  if (depth > kMaxBinXmlDepth) return fail(op.b, "binary XML nested too deeply");
  const uint32_t p = op.b;
  if (uint64_t(p) + 4 > op.c || op.c > size_) return fail(p, "bad template instance data");
  const uint32_t n = rd32(chunk_ + p);
  if (uint64_t(p) + 4 + 4 * uint64_t(n) > op.c) return fail(p, "bad template instance data");
  std::vector<Value>& vals = values_[depth];
  vals.resize(n);
  uint32_t off = p + 4 + 4 * n;
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* d = chunk_ + p + 4 + 4 * i;
    vals[i].size = rd16(d);
    vals[i].type = d[2];
    vals[i].offset = off;
    off += vals[i].size;
  }
  if (off > op.c) return fail(p, "template values run past the record");
  const size_t uncached_mark = uncached_.size();
  const TemplateProgram* t = get_template(op.a, depth);
  if (!t) return false;
  bool ok = run(t->ops, vals.data(), n, sink, depth);
  if (!use_cache_) {
    // Reference path: the program is used once and dropped.
    for (size_t i = uncached_mark; i < uncached_.size(); ++i)
      chunk_ops_ -= std::min(chunk_ops_, uncached_[i]->ops.size());
    uncached_.resize(uncached_mark);
  }
  return ok;
}

bool BinXmlDecoder::emit_value(const Value& v, BinXmlSink& sink, int depth) {
  if (v.type == 0x00) return true;
  if (v.type == kTypeBinXml) {
    if (depth > kMaxBinXmlDepth) return fail(v.offset, "binary XML nested too deeply");
    std::vector<Op>& ops = stream_ops_[depth];
    ops.clear();
    uint32_t stop;
    if (!compile(v.offset, v.offset + v.size, true, ops, &stop, depth)) return false;
    return run(ops, nullptr, 0, sink, depth);
  }
  scratch_.clear();
  if (!render_value(v.type, chunk_ + v.offset, v.size, scratch_)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "bad substitution value of type 0x%02x, size %u", unsigned(v.type),
                  unsigned(v.size));
    return fail(v.offset, buf);
  }
  // A fixed-size type with no bytes is a null in disguise; strings may be legitimately empty.
  uint8_t base = v.type & 0x7f;
  if (v.size == 0 && !(base == 0x01 || base == 0x02 || base == 0x23)) return true;
  sink.text(scratch_);
  return true;
}

bool BinXmlDecoder::run_range(const std::vector<Op>& ops, size_t begin, size_t end, const Value* values,
                              size_t nvalues, BinXmlSink& sink, int depth, const ArrayItem* item) {
  if (depth > kMaxBinXmlDepth) return fail(0, "binary XML nested too deeply");
  // Open elements of this range (op indexes) and a pending array expansion: the element at `repeat_open`
  // is replayed once per remaining item when it ends.
  size_t open_stack[64];
  size_t open_depth = 0;
  bool in_attr = false;
  size_t repeat_open = SIZE_MAX, repeat_subst = 0, repeat_level = 0;
  uint8_t repeat_type = 0;
  uint32_t repeat_offset = 0, repeat_size = 0;
  if ((record_ops_ += end - begin) > kMaxRecordOps) return fail(0, "record exceeds the work budget");
  for (size_t i = begin; i < end; ++i) {
    const Op& op = ops[i];
    switch (op.code) {
      case OpCode::kOpen:
        if (open_depth < 64) open_stack[open_depth] = i;
        ++open_depth;
        in_attr = false;
        sink.open(op.str);
        break;
      case OpCode::kAttr:
        in_attr = true;
        sink.attr(op.str);
        break;
      case OpCode::kCloseStart:
        in_attr = false;
        sink.close_start();
        break;
      case OpCode::kCloseEmpty:
      case OpCode::kEnd: {
        in_attr = false;
        if (op.code == OpCode::kEnd) sink.end();
        else sink.close_empty();
        if (open_depth > 0) --open_depth;
        if (repeat_open != SIZE_MAX && open_depth == repeat_level) {
          const uint8_t* p = chunk_ + repeat_offset;
          items_.clear();
          if (!split_array(repeat_type, p, repeat_size, items_))
            return fail(repeat_offset, "bad array substitution value");
          std::vector<std::pair<uint32_t, uint32_t>> items(items_.begin(), items_.end());
          for (size_t k = 1; k < items.size(); ++k) {
            ArrayItem it{repeat_subst, repeat_offset + items[k].first, items[k].second};
            if (!run_range(ops, repeat_open, i + 1, values, nvalues, sink, depth, &it)) return false;
          }
          repeat_open = SIZE_MAX;
        }
        break;
      }
      case OpCode::kText:
        sink.text(op.str);
        break;
      case OpCode::kSubst: {
        if (op.index >= nvalues) break;
        const Value& v = values[op.index];
        const uint8_t base = v.type & 0x7f;
        const bool array = (v.type & 0x80) != 0 && base >= 0x01 && base <= 0x15 && base != 0x0e;
        if (item && item->op_index == i) {
          scratch_.clear();
          if (!render_value(v.type & 0x7f, chunk_ + item->offset, item->size, scratch_))
            return fail(item->offset, "bad array item");
          sink.text(scratch_);
        } else if (array && !in_attr && !item && open_depth > 0 && open_depth <= 64 && repeat_open == SIZE_MAX &&
                   v.size > 0) {
          items_.clear();
          if (!split_array(v.type, chunk_ + v.offset, v.size, items_))
            return fail(v.offset, "bad array substitution value");
          if (items_.empty()) break;
          repeat_open = open_stack[open_depth - 1];
          repeat_level = open_depth - 1;
          repeat_subst = i;
          repeat_type = v.type;
          repeat_offset = v.offset;
          repeat_size = v.size;
          scratch_.clear();
          if (!render_value(v.type & 0x7f, chunk_ + v.offset + items_[0].first, items_[0].second, scratch_))
            return fail(v.offset, "bad array item");
          sink.text(scratch_);
        } else if (!emit_value(v, sink, depth + 1)) {
          return false;
        }
        break;
      }
      case OpCode::kPITarget:
        if (i + 1 < end && ops[i + 1].code == OpCode::kPIData) {
          sink.pi(op.str, ops[i + 1].str);
          ++i;
        } else {
          sink.pi(op.str, std::string_view());
        }
        break;
      case OpCode::kPIData:
        sink.pi(std::string_view(), op.str);
        break;
      case OpCode::kTemplate:
        if (!run_template(op, sink, depth + 1)) return false;
        break;
    }
  }
  return true;
}

bool BinXmlDecoder::decode_record(uint32_t begin, uint32_t end, BinXmlSink& sink) {
  error_.clear();
  record_ops_ = 0;
  if (end > size_ || begin > end) return fail(begin, "record data outside the chunk");
  std::vector<Op>& ops = stream_ops_[0];
  ops.clear();
  uint32_t stop;
  if (!compile(begin, end, false, ops, &stop, 0)) return false;
  return run(ops, nullptr, 0, sink, 0);
}

}  // namespace trawl::evtx
