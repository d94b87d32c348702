#include "common/server/read_slots.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace salesteam::server {
namespace {

// Runs granted callbacks at once, on the releasing thread (the server hands
// them to the handler pool instead).
ReadSlots::Runner Inline() {
  return [](ReadSlots::Granted granted) { std::move(granted)(); };
}

TEST(ReadSlotsTest, NoMoreThanTheSlotsAreHeldAndWaitersGetThemInOrder) {
  ReadSlots slots(2, Inline());
  uint64_t ticket = 0;
  EXPECT_TRUE(slots.Acquire(&ticket, [] {}));
  EXPECT_TRUE(slots.Acquire(&ticket, [] {}));
  std::vector<int> granted;
  EXPECT_FALSE(slots.Acquire(&ticket, [&] { granted.push_back(1); }));
  EXPECT_FALSE(slots.Acquire(&ticket, [&] { granted.push_back(2); }));
  EXPECT_EQ(slots.InUse(), 2);
  EXPECT_EQ(slots.Waiting(), 2);
  slots.Release(1);
  EXPECT_EQ(granted, std::vector<int>({1}));
  slots.Release(1);
  EXPECT_EQ(granted, std::vector<int>({1, 2}));
  EXPECT_EQ(slots.InUse(), 2) << "the waiters now hold both";
}

TEST(ReadSlotsTest, ANewcomerDoesNotOvertakeAWaiter) {
  ReadSlots slots(1, Inline());
  uint64_t ticket = 0;
  ASSERT_TRUE(slots.Acquire(&ticket, [] {}));
  bool waiter_granted = false;
  ASSERT_FALSE(slots.Acquire(&ticket, [&] { waiter_granted = true; }));
  slots.Release(1);
  EXPECT_TRUE(waiter_granted);
  EXPECT_FALSE(slots.Acquire(&ticket, [] {})) << "the slot went to the waiter";
}

TEST(ReadSlotsTest, ACancelledWaiterIsNeverGrantedAndAGrantedOneCannotCancel) {
  ReadSlots slots(1, Inline());
  uint64_t first = 0;
  ASSERT_TRUE(slots.Acquire(&first, [] {}));
  uint64_t cancelled = 0;
  bool ran = false;
  ASSERT_FALSE(slots.Acquire(&cancelled, [&] { ran = true; }));
  EXPECT_TRUE(slots.Cancel(cancelled));
  slots.Release(1);
  EXPECT_FALSE(ran);
  EXPECT_EQ(slots.InUse(), 0);

  uint64_t holder = 0;
  ASSERT_TRUE(slots.Acquire(&holder, [] {}));
  uint64_t waiter = 0;
  ASSERT_FALSE(slots.Acquire(&waiter, [] {}));
  slots.Release(1);
  EXPECT_FALSE(slots.Cancel(waiter)) << "granted already: the slot is the waiter's";
  EXPECT_EQ(slots.InUse(), 1);
}

}  // namespace
}  // namespace salesteam::server
