// Recursive-descent parser for Sigma conditions. Precedence, least to most binding: or, and, not, x of, ( ).
#include "sigma/sigma_condition.h"

#include <cctype>

#include "core/text.h"

namespace trawl {
namespace {

constexpr size_t kMaxConditionBytes = 64 * 1024;
constexpr int kMaxDepth = 200;

struct Token {
  enum Kind { kEnd, kWord, kLParen, kRParen, kPipe } kind;
  std::string_view text;
  size_t pos;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) { advance(); }

  Result<SigmaCondition> parse() {
    auto r = parse_or(0);
    if (!r.ok()) return r;
    if (tok_.kind == Token::kPipe)
      return error("aggregation after '|' (Sigma 1 count()/near syntax) is not supported; use a correlation rule");
    if (tok_.kind != Token::kEnd) return error("unexpected '" + std::string(tok_.text) + "'");
    return r;
  }

 private:
  static bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*' || c == '-' || c == '.' ||
           c == '?' || static_cast<unsigned char>(c) >= 0x80;
  }
  void advance() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ >= s_.size()) {
      tok_ = {Token::kEnd, {}, pos_};
      return;
    }
    char c = s_[pos_];
    if (c == '(') {
      tok_ = {Token::kLParen, s_.substr(pos_, 1), pos_};
      ++pos_;
    } else if (c == ')') {
      tok_ = {Token::kRParen, s_.substr(pos_, 1), pos_};
      ++pos_;
    } else if (c == '|') {
      tok_ = {Token::kPipe, s_.substr(pos_, 1), pos_};
      ++pos_;
    } else if (is_word_char(c)) {
      size_t start = pos_;
      while (pos_ < s_.size() && is_word_char(s_[pos_])) ++pos_;
      tok_ = {Token::kWord, s_.substr(start, pos_ - start), start};
    } else {
      tok_ = {Token::kWord, s_.substr(pos_, 1), pos_};  // reported as unexpected by the caller
      bad_char_ = true;
      ++pos_;
    }
  }
  bool is_kw(std::string_view kw) const { return tok_.kind == Token::kWord && iequals(tok_.text, kw); }
  Result<SigmaCondition> error(const std::string& what) const {
    return Status::Error("condition: " + what + " at offset " + std::to_string(tok_.pos));
  }

  Result<SigmaCondition> parse_or(int depth) {
    if (depth > kMaxDepth) return error("nesting too deep");
    auto left = parse_and(depth + 1);
    if (!left.ok()) return left;
    if (!is_kw("or")) return left;
    SigmaCondition node;
    node.op = SigmaCondition::Op::kOr;
    node.kids.push_back(std::move(left.value()));
    while (is_kw("or")) {
      advance();
      auto r = parse_and(depth + 1);
      if (!r.ok()) return r;
      node.kids.push_back(std::move(r.value()));
    }
    return node;
  }
  Result<SigmaCondition> parse_and(int depth) {
    auto left = parse_not(depth + 1);
    if (!left.ok()) return left;
    if (!is_kw("and")) return left;
    SigmaCondition node;
    node.op = SigmaCondition::Op::kAnd;
    node.kids.push_back(std::move(left.value()));
    while (is_kw("and")) {
      advance();
      auto r = parse_not(depth + 1);
      if (!r.ok()) return r;
      node.kids.push_back(std::move(r.value()));
    }
    return node;
  }
  Result<SigmaCondition> parse_not(int depth) {
    if (depth > kMaxDepth) return error("nesting too deep");
    if (is_kw("not")) {
      advance();
      auto r = parse_not(depth + 1);
      if (!r.ok()) return r;
      SigmaCondition node;
      node.op = SigmaCondition::Op::kNot;
      node.kids.push_back(std::move(r.value()));
      return node;
    }
    return parse_primary(depth + 1);
  }
  Result<SigmaCondition> parse_primary(int depth) {
    if (depth > kMaxDepth) return error("nesting too deep");
    if (bad_char_) return error("unexpected character '" + std::string(tok_.text) + "'");
    if (tok_.kind == Token::kLParen) {
      advance();
      auto r = parse_or(depth + 1);
      if (!r.ok()) return r;
      if (tok_.kind != Token::kRParen) return error("expected ')'");
      advance();
      return r;
    }
    if (tok_.kind == Token::kEnd) return error("expected a search identifier");
    if (tok_.kind != Token::kWord) return error("unexpected '" + std::string(tok_.text) + "'");
    if (is_kw("and") || is_kw("or") || is_kw("of") || is_kw("them"))
      return error("expected a search identifier, found '" + std::string(tok_.text) + "'");
    // "all of X" / "N of X"
    bool all = is_kw("all");
    uint32_t n = 0;
    bool numeric = !all && !tok_.text.empty();
    for (char c : tok_.text)
      if (c < '0' || c > '9') numeric = false;
    if (numeric) {
      if (tok_.text.size() > 6) return error("count too large");
      for (char c : tok_.text) n = n * 10 + uint32_t(c - '0');
    }
    if (all || numeric) {
      Token save = tok_;
      size_t save_pos = pos_;
      advance();
      if (is_kw("of")) {
        advance();
        if (tok_.kind != Token::kWord || is_kw("and") || is_kw("or") || is_kw("not"))
          return error("expected a search-identifier pattern or 'them' after 'of'");
        if (numeric && n == 0) return error("'0 of' is not meaningful");
        SigmaCondition node;
        node.op = SigmaCondition::Op::kPattern;
        node.count = all ? 0 : n;
        node.text = std::string(tok_.text);
        advance();
        return node;
      }
      // Not "of": the word was an identifier named "all" or a number; restore.
      tok_ = save;
      pos_ = save_pos;
    }
    SigmaCondition node;
    node.op = SigmaCondition::Op::kName;
    node.text = std::string(tok_.text);
    advance();
    return node;
  }

  std::string_view s_;
  size_t pos_ = 0;
  Token tok_{Token::kEnd, {}, 0};
  bool bad_char_ = false;
};

}  // namespace

Result<SigmaCondition> parse_sigma_condition(std::string_view text) {
  if (text.size() > kMaxConditionBytes) return Status::Error("condition: longer than 64 KiB");
  Parser p(text);
  return p.parse();
}

bool identifier_pattern_matches(std::string_view pat, std::string_view name) {
  // Iterative glob with `*` only (case-sensitive, identifiers are YAML keys).
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pat.size() && pat[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

Status resolve_sigma_condition(SigmaCondition& c, const std::vector<std::string>& ids) {
  using Op = SigmaCondition::Op;
  if (c.op == Op::kName) {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == c.text) {
        c.op = Op::kRef;
        c.ref = uint32_t(i);
        return Status();
      }
    return Status::Error("condition refers to undefined search identifier '" + c.text + "'");
  }
  if (c.op == Op::kPattern) {
    std::vector<SigmaCondition> refs;
    const bool them = c.text == "them";
    for (size_t i = 0; i < ids.size(); ++i) {
      if (them ? (!ids[i].empty() && ids[i][0] == '_') : !identifier_pattern_matches(c.text, ids[i])) continue;
      SigmaCondition r;
      r.op = Op::kRef;
      r.ref = uint32_t(i);
      refs.push_back(std::move(r));
    }
    if (refs.empty())
      return Status::Error("condition pattern '" + c.text + "' matches no search identifier");
    if (c.count > refs.size())
      return Status::Error("condition asks for " + std::to_string(c.count) + " of '" + c.text + "' but only " +
                           std::to_string(refs.size()) + " identifiers match");
    const uint32_t count = c.count;
    c.kids = std::move(refs);
    c.text.clear();
    if (count == 0) {
      c.op = Op::kAnd;
    } else if (count == 1) {
      c.op = Op::kOr;
    } else {
      c.op = Op::kAtLeast;
      c.count = count;
    }
    return Status();
  }
  for (auto& k : c.kids) {
    Status s = resolve_sigma_condition(k, ids);
    if (!s.ok()) return s;
  }
  return Status();
}

std::string sigma_condition_to_string(const SigmaCondition& c, const std::vector<std::string>* ids) {
  using Op = SigmaCondition::Op;
  switch (c.op) {
    case Op::kRef: return ids && c.ref < ids->size() ? (*ids)[c.ref] : "#" + std::to_string(c.ref);
    case Op::kName: return c.text;
    case Op::kPattern: return (c.count == 0 ? std::string("all") : std::to_string(c.count)) + " of " + c.text;
    case Op::kNot: return "(not " + (c.kids.empty() ? std::string() : sigma_condition_to_string(c.kids[0], ids)) + ")";
    case Op::kAnd:
    case Op::kOr:
    case Op::kAtLeast: {
      std::string sep = c.op == Op::kAnd ? " and " : c.op == Op::kOr ? " or " : ", ";
      std::string out = c.op == Op::kAtLeast ? std::to_string(c.count) + " of (" : "(";
      for (size_t i = 0; i < c.kids.size(); ++i) {
        if (i) out += sep;
        out += sigma_condition_to_string(c.kids[i], ids);
      }
      return out + ")";
    }
  }
  return {};
}

}  // namespace trawl
