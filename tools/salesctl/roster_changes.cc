// salesctl roster-changes: the roster's change feed (RosterService
// WatchRosterChanges), for admins and sales-ops: what changed, when, and
// from which day it counts. Conventions in roster_cli.h.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"
#include "tools/salesctl/roster_cli.h"

ABSL_FLAG(std::optional<int64_t>, after, std::nullopt,
          "roster-changes: start after this sequence (default: from the oldest kept)");
ABSL_FLAG(bool, follow, false,
          "roster-changes: keep printing changes as they commit, until interrupted");

namespace salesteam::salesctl::roster_cli {
namespace {

// "mb_1 Ada Lovelace: tm_2 account-executive", "tm_2 Northwind (EUR, Europe/Berlin)".
std::string Subject(const rosterpb::RosterChange& change) {
  if (change.has_member()) {
    const rosterpb::Member& member = change.member();
    return absl::StrCat(member.id(), " ", member.name(), ": ", member.team_id(), " ",
                        Word(member.role()), member.active() ? "" : " (inactive)");
  }
  const rosterpb::Team& team = change.team();
  return absl::StrCat(team.id(), " ", team.name(), " (", team.currency_code(), ", ",
                      team.time_zone(), ")");
}

void PrintChange(const rosterpb::RosterChange& change) {
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(change);
    return;
  }
  std::cout << change.sequence() << "  " << FormatTimestamp(change.commit_time()) << "  "
            << Word(change.kind()) << "  from "
            << (change.has_effective_date() ? FormatDate(change.effective_date()) : "-") << "  "
            << Subject(change) << "\n";
}

int RunRosterChanges(const std::vector<std::string>& args) {
  return RunCommand<std::optional<int64_t>>(
      "roster-changes", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<std::optional<int64_t>> {
        RETURN_IF_ERROR(CheckOnlyFlags({}));
        if (!args.empty()) return absl::InvalidArgumentError("roster-changes takes no arguments");
        const std::optional<int64_t> after = absl::GetFlag(FLAGS_after);
        if (after.has_value() && *after < 0) {
          return absl::InvalidArgumentError("--after must be at least 0");
        }
        return after;
      },
      [](RosterConnection& roster, std::optional<int64_t>& after) -> absl::Status {
        const bool follow = absl::GetFlag(FLAGS_follow);
        rosterpb::WatchRosterChangesRequest request;
        request.set_after_sequence(after.value_or(0));
        // Without --after: from the oldest change kept.
        request.set_from_oldest_retained(!after.has_value());
        return roster.Call([&](rosterpb::RosterService::Stub& stub, grpc::ClientContext* context) {
          // The backlog may take longer than one call's --timeout, and
          // --follow has no end.
          context->set_deadline(std::chrono::system_clock::time_point::max());
          auto reader = stub.WatchRosterChanges(context, request);
          rosterpb::WatchRosterChangesResponse response;
          int64_t position = request.after_sequence();
          while (reader->Read(&response)) {
            for (const rosterpb::RosterChange& change : response.changes()) {
              PrintChange(change);
              position = change.sequence();
            }
            std::cout.flush();
            if (!follow && position >= response.head_sequence()) {
              context->TryCancel();
              break;
            }
          }
          grpc::Status status = reader->Finish();
          if (!follow && status.error_code() == grpc::StatusCode::CANCELLED) {
            return grpc::Status::OK;
          }
          return status;
        });
      });
}

SALESCTL_COMMAND({.name = "roster-changes",
                  .synopsis = "[--after SEQUENCE] [--follow] [--json]",
                  .summary = "Print the roster's changes in commit order (sequence, time, kind, "
                             "first day it counts from, what it left), up to now or, with "
                             "--follow, as they happen. Admins and services.",
                  .run = RunRosterChanges});

}  // namespace
}  // namespace salesteam::salesctl::roster_cli
