#include "core/yaml_util.h"

namespace trawl {

namespace {

// "---" or "..." at the start of a line, followed by a blank or the end of the line.
bool marker_line(std::string_view line, char c) {
  if (line.size() < 3 || line[0] != c || line[1] != c || line[2] != c) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// A line that is not blank, a comment or a directive.
bool content_line(std::string_view line) {
  const size_t f = line.find_first_not_of(" \t\r");
  return f != std::string_view::npos && line[f] != '#' && !(f == 0 && line[0] == '%');
}

// True when pred holds for some line of text.
template <class Pred>
bool any_line(std::string_view text, Pred pred) {
  for (size_t i = 0; i < text.size();) {
    size_t e = text.find('\n', i);
    if (e == std::string_view::npos) e = text.size();
    if (pred(text.substr(i, e - i))) return true;
    i = e + 1;
  }
  return false;
}

}  // namespace

bool yaml_has_content(std::string_view text) {
  return any_line(text, [](std::string_view l) { return !marker_line(l, '-') && !marker_line(l, '.') && content_line(l); });
}

std::vector<YAML::Node> yaml_load_all(std::string_view text) {
  struct Chunk {
    size_t begin, end, first_line;
    bool explicit_start;  // begins with a "---" line: a document even when empty
  };
  std::vector<Chunk> chunks;
  Chunk cur{0, 0, 0, false};
  size_t line_no = 0;
  for (size_t i = 0; i <= text.size();) {
    size_t e = text.find('\n', i);
    if (e == std::string_view::npos) e = text.size();
    const std::string_view line = text.substr(i, e - i);
    if (marker_line(line, '-')) {
      cur.end = i;
      chunks.push_back(cur);
      cur = Chunk{i, 0, line_no, true};
    } else if (marker_line(line, '.')) {
      cur.end = i;
      chunks.push_back(cur);
      cur = Chunk{std::min(e + 1, text.size()), 0, line_no + 1, false};
    }
    if (e >= text.size()) break;
    i = e + 1;
    ++line_no;
  }
  cur.end = text.size();
  chunks.push_back(cur);

  std::vector<YAML::Node> docs;
  std::string pending;  // directives before a "---" belong to the document it starts
  for (const Chunk& c : chunks) {
    const std::string_view body = text.substr(c.begin, c.end - c.begin);
    if (!c.explicit_start && !any_line(body, content_line)) {  // nothing but blanks, comments, directives
      pending.assign(body);
      continue;
    }
    // The directives (if any) go first, so their lines shift this document's line numbers.
    size_t shift = 0;
    std::string doc_text;
    if (c.explicit_start && !pending.empty()) {
      for (char ch : pending) shift += ch == '\n' ? 1 : 0;
      doc_text = pending;
    }
    pending.clear();
    doc_text.append(body);
    try {
      docs.push_back(YAML::Load(doc_text));
    } catch (const YAML::Exception& ex) {
      YAML::Mark m = ex.mark;
      if (!m.is_null()) m.line = int(c.first_line + size_t(m.line) - shift);
      throw YAML::ParserException(m, ex.msg);
    }
  }
  return docs;
}

}  // namespace trawl
