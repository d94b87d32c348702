#include "common/validation.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace salesteam {
namespace {

// The code point starting at text[pos] and its length in bytes, or length 0
// when the bytes there are not a well-formed UTF-8 sequence (Unicode 15,
// table 3-7: the second byte's range depends on the first so that overlong
// forms and surrogates are refused).
struct Decoded {
  char32_t code_point;
  int length;
};

Decoded DecodeAt(absl::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return {b0, 1};
  int length;
  char32_t code_point;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    code_point = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    code_point = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // Overlong below U+0800.
    if (b0 == 0xED) hi = 0x9F;  // Surrogates U+D800..U+DFFF.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    code_point = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // Overlong below U+10000.
    if (b0 == 0xF4) hi = 0x8F;  // Above U+10FFFF.
  } else {
    return {0, 0};  // A continuation byte, C0/C1 (overlong) or F5..FF.
  }
  if (pos + length > text.size()) return {0, 0};
  for (int i = 1; i < length; ++i) {
    const unsigned char b = byte(pos + i);
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return {0, 0};
    code_point = (code_point << 6) | (b & 0x3F);
  }
  return {code_point, length};
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Unicode White_Space, plus the invisible characters that render as nothing
// (zero-width space and joiners, word joiner, BOM, Hangul fillers), so that a
// name made of them counts as blank.
bool IsBlank(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x115F:
    case 0x1160:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0x3164:
    case 0xFEFF:
    case 0xFFA0:
      return true;
    default:
      return (c >= 0x2000 && c <= 0x200D);
  }
}

absl::Status InvalidUtf8(absl::string_view text, absl::string_view field) {
  size_t pos = 0;
  while (pos < text.size()) {
    const Decoded decoded = DecodeAt(text, pos);
    if (decoded.length == 0) break;
    pos += decoded.length;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: is not valid UTF-8 (bad byte 0x%02x at byte offset %d)", field,
                      pos < text.size() ? static_cast<unsigned char>(text[pos]) : 0, pos));
}

absl::Status CheckText(absl::string_view text, absl::string_view field, int min_chars,
                       int max_chars, bool multiline) {
  int64_t chars = 0;
  int64_t first_control_at = -1;
  char32_t first_control = 0;
  bool blank = true;
  for (size_t pos = 0; pos < text.size();) {
    const Decoded decoded = DecodeAt(text, pos);
    if (decoded.length == 0) return InvalidUtf8(text, field);
    pos += decoded.length;
    ++chars;
    const char32_t c = decoded.code_point;
    const bool allowed_break = multiline && (c == '\n' || c == '\r' || c == '\t');
    if (first_control_at < 0 && IsControl(c) && !allowed_break) {
      first_control_at = chars;
      first_control = c;
    }
    if (blank && !IsBlank(c)) blank = false;
  }
  if (chars == 0 && min_chars > 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (chars > max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at most ", max_chars, " characters (got ", chars, ")"));
  }
  if (chars < min_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at least ", min_chars, " characters (got ", chars, ")"));
  }
  if (first_control_at >= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: must not contain control characters (U+%04X at character %d)", field,
                        static_cast<uint32_t>(first_control), first_control_at));
  }
  if (chars > 0 && blank) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not be only whitespace"));
  }
  return absl::OkStatus();
}

absl::Status NotAnEmail(absl::string_view text, absl::string_view field,
                        absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", QuoteInput(text), " is not an email address: ", problem));
}

// RFC 5322 atext, the characters a local part may hold without quoting,
// besides letters, digits, dots and non-ASCII (RFC 6531).
bool IsLocalPartSymbol(char c) {
  return absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != absl::string_view::npos;
}

std::string Shown(char c) { return absl::StrCat("'", absl::string_view(&c, 1), "'"); }

absl::Status CheckLocalPart(absl::string_view email, absl::string_view local,
                            absl::string_view field) {
  if (local.empty()) return NotAnEmail(email, field, "nothing before the @");
  if (CountCodePoints(local) > 64) {
    return NotAnEmail(email, field, "the part before the @ is longer than 64 characters");
  }
  if (local.front() == '.' || local.back() == '.') {
    return NotAnEmail(email, field, "the part before the @ starts or ends with a dot");
  }
  if (local.find("..") != absl::string_view::npos) {
    return NotAnEmail(email, field, "two dots in a row");
  }
  for (const char c : local) {
    const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;
    if (!non_ascii && !absl::ascii_isalnum(c) && c != '.' && !IsLocalPartSymbol(c)) {
      return NotAnEmail(email, field, absl::StrCat(Shown(c), " is not allowed before the @"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDomain(absl::string_view email, absl::string_view domain,
                         absl::string_view field) {
  if (domain.empty()) return NotAnEmail(email, field, "nothing after the @");
  if (domain.find('.') == absl::string_view::npos) {
    return NotAnEmail(email, field, "the domain has no dot (expected e.g. example.com)");
  }
  std::vector<absl::string_view> labels;
  for (size_t start = 0;;) {
    const size_t dot = domain.find('.', start);
    labels.push_back(domain.substr(start, dot == absl::string_view::npos ? dot : dot - start));
    if (dot == absl::string_view::npos) break;
    start = dot + 1;
  }
  for (const absl::string_view label : labels) {
    if (label.empty()) {
      return NotAnEmail(email, field,
                        "the domain starts or ends with a dot or has two dots in a row");
    }
    if (CountCodePoints(label) > 63) {
      return NotAnEmail(email, field, "a part of the domain is longer than 63 characters");
    }
    if (label.front() == '-' || label.back() == '-') {
      return NotAnEmail(email, field, "a part of the domain starts or ends with a hyphen");
    }
    for (const char c : label) {
      const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;
      if (!non_ascii && !absl::ascii_isalnum(c) && c != '-') {
        return NotAnEmail(email, field, absl::StrCat(Shown(c), " is not allowed in the domain"));
      }
    }
  }
  bool all_digits = true;
  for (const char c : labels.back()) all_digits = all_digits && absl::ascii_isdigit(c);
  if (all_digits) {
    return NotAnEmail(email, field, "the domain ends in a number (IP addresses are not accepted)");
  }
  return absl::OkStatus();
}

}  // namespace

std::string SubField(absl::string_view field, absl::string_view name) {
  if (field.empty()) return std::string(name);
  return absl::StrCat(field, ".", name);
}

std::string IndexedField(absl::string_view field, int64_t index) {
  return absl::StrCat(field, "[", index, "]");
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const Decoded decoded = DecodeAt(text, pos);
    if (decoded.length == 0) return false;
    pos += decoded.length;
  }
  return true;
}

int64_t CountCodePoints(absl::string_view text) {
  int64_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

absl::Status ValidateText(absl::string_view text, absl::string_view field, int min_chars,
                          int max_chars) {
  return CheckText(text, field, min_chars, max_chars, /*multiline=*/false);
}

absl::Status ValidateMultilineText(absl::string_view text, absl::string_view field, int min_chars,
                                   int max_chars) {
  return CheckText(text, field, min_chars, max_chars, /*multiline=*/true);
}

absl::Status ValidateEmail(absl::string_view text, absl::string_view field) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  if (!IsValidUtf8(text)) return InvalidUtf8(text, field);
  const int64_t chars = CountCodePoints(text);
  if (chars > kMaxEmailAddressChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be at most ", kMaxEmailAddressChars, " characters (got ", chars, ")"));
  }
  for (size_t pos = 0; pos < text.size();) {
    const Decoded decoded = DecodeAt(text, pos);
    pos += decoded.length;
    if (IsControl(decoded.code_point)) {
      return NotAnEmail(text, field, "it contains a control character");
    }
    if (IsBlank(decoded.code_point)) return NotAnEmail(text, field, "it contains a space");
  }
  const size_t at = text.find('@');
  if (at == absl::string_view::npos) {
    return NotAnEmail(text, field, "it has no @ (expected local@domain)");
  }
  if (text.find('@', at + 1) != absl::string_view::npos) {
    return NotAnEmail(text, field, "it has more than one @");
  }
  RETURN_IF_ERROR(CheckLocalPart(text, text.substr(0, at), field));
  return CheckDomain(text, text.substr(at + 1), field);
}

absl::Status ValidateRange(int64_t value, absl::string_view field, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be ", min, "..", max, " (got ", value, ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEnumValue(int value, const google::protobuf::EnumDescriptor& descriptor,
                               absl::string_view field, Unspecified unspecified) {
  const bool known = descriptor.FindValueByNumber(value) != nullptr;
  if (known && (value != 0 || unspecified == Unspecified::kAllow)) return absl::OkStatus();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.value_count(); ++i) {
    if (descriptor.value(i)->number() != 0) names.push_back(descriptor.value(i)->name());
  }
  const std::string expected = absl::StrCat("one of ", absl::StrJoin(names, ", "));
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": unknown value ", value, " (expected ", expected, ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": is required (", expected, ")"));
}

std::string EnumValueName(int value, const google::protobuf::EnumDescriptor& descriptor) {
  const google::protobuf::EnumValueDescriptor* found = descriptor.FindValueByNumber(value);
  return found != nullptr ? found->name() : absl::StrCat(value);
}

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (id.size() > kMaxIdChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kMaxIdChars, " characters"));
  }
  return absl::OkStatus();
}

}  // namespace salesteam
