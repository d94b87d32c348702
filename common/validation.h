// Field validators every service uses on what a client sends: free text
// (valid UTF-8, a length counted in characters, no control characters, not
// blank), email addresses, integer ranges, and proto enum values (a value
// sent over the wire may be a number this build does not know: proto3 enums
// are open, so 99 arrives intact and must be refused here).
//
// Every error is INVALID_ARGUMENT with a message that starts with the field
// path it is about (DESIGN.md section 3), e.g. `member.name: must be at most
// 200 characters (got 10000)`; callers pass that path as `field` and build the
// paths of nested and repeated fields with SubField and IndexedField.
#ifndef SALESTEAM_COMMON_VALIDATION_H_
#define SALESTEAM_COMMON_VALIDATION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace salesteam {

// The longest email address that fits the SMTP path limit (RFC 5321 section
// 4.5.3.1.3: 256 octets including the angle brackets).
inline constexpr int kMaxEmailAddressChars = 254;

// "member.name" from ("member", "name"); just `name` when `field` is empty.
std::string SubField(absl::string_view field, absl::string_view name);
// "member.skills[1]" from ("member.skills", 1).
std::string IndexedField(absl::string_view field, int64_t index);

// Whether `text` is well-formed UTF-8: no stray continuation bytes, no
// truncated sequences, no overlong encodings, no UTF-16 surrogates
// (U+D800..U+DFFF) and nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);

// The number of code points in `text`, which must be valid UTF-8 (each byte
// that does not continue a sequence counts once).
int64_t CountCodePoints(absl::string_view text);

// One line of text of min_chars..max_chars characters (code points, not
// bytes: "Zoë" is 3): valid UTF-8, no control characters (C0, DEL, C1:
// nothing that could forge a log line or a CSV row) and, unless empty, not
// made only of whitespace. Empty text is "is required" when min_chars > 0.
absl::Status ValidateText(absl::string_view text, absl::string_view field, int min_chars,
                          int max_chars);

// As ValidateText, but line feeds, carriage returns and tabs are allowed:
// notes and descriptions that a person types in several lines.
absl::Status ValidateMultilineText(absl::string_view text, absl::string_view field, int min_chars,
                                   int max_chars);

// An address a mail server would accept for delivery: local@domain with one
// "@", at most kMaxEmailAddressChars characters, no spaces or control
// characters; a local part of 1..64 characters without the specials that
// need quoting ("(),:;<>[\]) and without leading, trailing or doubled dots;
// a domain of at least two dot-separated labels of 1..63 letters, digits or
// hyphens (or non-ASCII, for internationalised names), not starting or
// ending with a hyphen, and a top-level label that is not all digits.
// Quoted local parts and IP-literal domains, legal but unheard of in a
// company directory, are refused. Case is kept: comparing addresses
// case-insensitively is the caller's business.
absl::Status ValidateEmail(absl::string_view text, absl::string_view field);

// `value` within min..max inclusive: `member.value_tier: must be 1..3 (got 4)`.
absl::Status ValidateRange(int64_t value, absl::string_view field, int64_t min, int64_t max);

// Whether the zero value (XXX_UNSPECIFIED in every Salesteam enum) is
// accepted: kRefuse for fields that must be set, kAllow for optional ones
// and for filters where UNSPECIFIED means "all".
enum class Unspecified { kRefuse, kAllow };

// `value` is a number `descriptor` declares (`member.archetype: unknown value
// 99`), and not 0 unless `unspecified` is kAllow (`team.sales_model: is
// required`). Messages list the accepted names so a client can correct itself.
absl::Status ValidateEnumValue(int value, const google::protobuf::EnumDescriptor& descriptor,
                               absl::string_view field,
                               Unspecified unspecified = Unspecified::kRefuse);

// An id a request names (a member, a team, ...): present and at most
// kMaxIdChars bytes. Ids are opaque, so nothing else is checked: an id that
// names nothing is the store's NOT_FOUND.
inline constexpr size_t kMaxIdChars = 128;
absl::Status ValidateId(absl::string_view id, absl::string_view field);

// ValidateEnumValue for a generated enum type:
//   RETURN_IF_ERROR(ValidateEnum(member.archetype(), "member.archetype",
//                                Unspecified::kAllow));
// The descriptor lookup is the generated XXX_IsValid function's answer, plus
// the names for the message.
template <typename Enum>
absl::Status ValidateEnum(Enum value, absl::string_view field,
                          Unspecified unspecified = Unspecified::kRefuse) {
  return ValidateEnumValue(static_cast<int>(value), *google::protobuf::GetEnumDescriptor<Enum>(),
                           field, unspecified);
}

// The name of `value` in `descriptor` ("ARCHETYPE_BUILDER"), or the number as
// text when it is not declared ("99"): for messages about stored or sent
// values that may be unknown.
std::string EnumValueName(int value, const google::protobuf::EnumDescriptor& descriptor);

template <typename Enum>
std::string EnumName(Enum value) {
  return EnumValueName(static_cast<int>(value), *google::protobuf::GetEnumDescriptor<Enum>());
}

}  // namespace salesteam

#endif  // SALESTEAM_COMMON_VALIDATION_H_
