// decode_items on bytes it did not write: random blobs, every truncation and every
// single-byte change of a real encoding, and garbage after one. None may crash or read
// out of bounds (run it under the sanitizers); a truncated or extended blob is never a
// cache answer (nullopt: discovery parses the file again).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "store/item_blob.h"

namespace fastest::store {
namespace {

const std::string k_path = "tests/test_fuzz.py";
constexpr char k_format = 2;  // item_blob.cc's format byte

std::vector<base::TestItem> sample_items() {
  std::vector<base::TestItem> items;
  base::TestItem a;
  a.node_id = k_path + "::TestK::test_m";
  a.file = k_path;
  a.cls = "TestK";
  a.function = "test_m";
  a.line = 3;
  items.push_back(a);
  base::TestItem b;
  b.node_id = k_path + "::test_p";
  b.file = k_path;
  b.function = "test_p";
  b.line = 300'000;
  b.markers = {"parametrize", "slow", ""};
  b.params = {"x", "y"};
  b.parametrized = true;
  items.push_back(b);
  base::TestItem doctest;  // an id that is not path::cls::function is stored whole
  doctest.node_id = k_path + "::tests.test_fuzz.f";
  doctest.file = k_path;
  doctest.line = 1;
  items.push_back(doctest);
  return items;
}

// What any successful decode must satisfy, whatever the bytes were.
void expect_sane(const std::optional<std::vector<base::TestItem>>& got, std::size_t blob_size) {
  if (!got) return;
  EXPECT_LE(got->size(), blob_size);
  for (const base::TestItem& it : *got) {
    EXPECT_EQ(it.file, k_path);
    EXPECT_GE(it.line, 0);
    EXPECT_LE(it.markers.size(), blob_size);
    EXPECT_LE(it.params.size(), blob_size);
  }
}

// valid_items and NodeIdReader (the app's reading of a cached file without TestItems)
// agree with decode_items on any bytes.
void expect_same_reading(std::string_view blob, const std::optional<std::vector<base::TestItem>>& got) {
  EXPECT_EQ(valid_items(blob), got.has_value());
  std::vector<std::string> ids;
  NodeIdReader reader(blob, k_path);
  for (std::string id; reader.next(id);) ids.push_back(std::move(id));
  // A valid blob reads to its end (the reader is only given blobs valid_items accepted; on
  // others it stops at the first bad item and bytes after the last item go unread).
  EXPECT_TRUE(!got || reader.ok());
  if (!got) return;
  EXPECT_EQ(encoded_count(blob), got->size());
  ASSERT_EQ(ids.size(), got->size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], (*got)[i].node_id);
}

TEST(ItemBlobFuzz, RandomBlobsNeverCrashAndDecodeOnlyToSaneItems) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 96);
  int decoded = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string blob(static_cast<std::size_t>(len(rng)), '\0');
    for (char& c : blob) c = static_cast<char>(byte(rng));
    // Half of them carry the format byte, so the decoder gets past it.
    if (!blob.empty() && round % 2 == 0) blob[0] = k_format;
    auto got = decode_items(blob, k_path);
    expect_sane(got, blob.size());
    decoded += got.has_value();
    expect_same_reading(blob, got);
  }
  // Random bytes are almost never an exact encoding (an empty list "\x02\x00" is one).
  EXPECT_LT(decoded, 2'000);
}

TEST(ItemBlobFuzz, EveryTruncationOfARealBlobIsRefused) {
  const std::string blob = encode_items(sample_items(), k_path);
  ASSERT_EQ(blob[0], k_format);
  auto back = decode_items(blob, k_path);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[1].params, (std::vector<std::string>{"x", "y"}));
  expect_same_reading(blob, back);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(decode_items(std::string_view(blob).substr(0, n), k_path).has_value()) << "prefix of " << n;
    EXPECT_FALSE(valid_items(std::string_view(blob).substr(0, n))) << "prefix of " << n;
  }
}

TEST(ItemBlobFuzz, BytesAfterARealBlobAreRefused) {
  const std::string blob = encode_items(sample_items(), k_path);
  for (const std::string& tail : {std::string(1, '\0'), std::string("\x01"), std::string(300, '\xff')})
    EXPECT_FALSE(decode_items(blob + tail, k_path).has_value());
}

TEST(ItemBlobFuzz, EverySingleByteChangeOfARealBlobIsSafe) {
  const std::string blob = encode_items(sample_items(), k_path);
  for (std::size_t at = 0; at < blob.size(); ++at) {
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff, static_cast<unsigned char>(blob[at]) ^ 0x40}) {
      std::string changed = blob;
      changed[at] = static_cast<char>(v);
      auto got = decode_items(changed, k_path);
      expect_sane(got, changed.size());
      expect_same_reading(changed, got);
    }
  }
}

TEST(ItemBlobFuzz, HugeCountsAreRefusedBeforeAnyAllocation) {
  const std::string huge(8, '\xff');  // with a final '\x3f': a varint of 2^62 - 1
  // The format byte, then an item count of 2^62 - 1: far more items than bytes.
  EXPECT_FALSE(decode_items(std::string{k_format} + huge + '\x3f', k_path).has_value());
  // One item: flags 4 (has params), line 1, no class, no function; then its marker count,
  // or (after zero markers) its param count, is 2^62 - 1.
  const std::string item{k_format, '\x01', '\x04', '\x01', '\x00', '\x00'};
  EXPECT_FALSE(decode_items(item + huge + '\x3f', k_path).has_value());
  EXPECT_FALSE(decode_items(item + '\x00' + huge + '\x3f', k_path).has_value());
  // The same item with small counts is an exact encoding: the refusals above are the counts'.
  auto ok = decode_items(item + '\x00' + '\x01' + '\x01' + 'x', k_path);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)[0].params, std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace fastest::store
