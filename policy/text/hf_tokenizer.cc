// Encoding and decoding of HfTokenizer (hf_tokenizer.h); loading is in hf_tokenizer_load.cc.
#include "policy/text/hf_tokenizer.h"

#include <algorithm>

#include "policy/text/unicode_text.h"

namespace steptree {

int HfTokenizer::MatchAddedToken(std::string_view text, size_t pos) const {
  int match = -1;
  int node = added_root_[static_cast<unsigned char>(text[pos])];
  for (size_t next = pos + 1; node >= 0; ++next) {
    if (added_trie_[node].token >= 0) match = added_trie_[node].token;  // longer than the last
    if (next == text.size()) break;
    const auto& children = added_trie_[node].children;
    const auto child = std::lower_bound(children.begin(), children.end(),
                                        std::make_pair(static_cast<unsigned char>(text[next]), -1));
    node = child != children.end() && child->first == static_cast<unsigned char>(text[next]) ? child->second : -1;
  }
  return match;
}

std::vector<int> HfTokenizer::Encode(const std::string& text) const {
  std::vector<int> ids = EncodeText(text);  // steps 0 to 2
  // 3. Post-processing: each template wraps the ids so far.
  for (const Template& wrap : post_processors_) {
    std::vector<int> wrapped;
    wrapped.reserve(ids.size() + wrap.size());
    for (int item : wrap) {
      if (item == kSequenceA) {
        wrapped.insert(wrapped.end(), ids.begin(), ids.end());
      } else {
        wrapped.push_back(item);
      }
    }
    ids.swap(wrapped);
  }
  return ids;
}

std::vector<int> HfTokenizer::EncodeWithoutSpecialTokens(const std::string& text) const {
  return EncodeText(text);
}

std::vector<int> HfTokenizer::EncodeText(const std::string& text) const {
  if (!legacy_free_ || text.empty()) return EncodeSections(text);
  // 0. LlamaTokenizer without legacy: "▁" first, the text's own "▁" as spaces.
  const char kMetaspace[] = "\xE2\x96\x81";  // U+2581
  std::vector<int> ids = EncodeSections(kMetaspace + JsReplaceAll(text, kMetaspace, " "));
  if (ids.size() > 1 && metaspace_id_ >= 0 && ids[0] == metaspace_id_ && IsSpecial(ids[1])) ids.erase(ids.begin());
  return ids;
}

std::vector<int> HfTokenizer::EncodeSections(std::string_view all) const {
  // 1. Sections: the added tokens (leftmost, longest) and the text between them.
  std::vector<std::string_view> sections;
  size_t start = 0;
  for (size_t pos = 0; pos < all.size();) {
    const int index = MatchAddedToken(all, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    if (pos > start) sections.push_back(all.substr(start, pos - start));
    sections.push_back(all.substr(pos, added_[index].content.size()));
    pos += added_[index].content.size();
    start = pos;
  }
  if (start < all.size()) sections.push_back(all.substr(start));

  // A section is an added token when its text is one (after any trimming, as in the
  // reference). lstrip / rstrip trim the neighbouring sections, in order.
  auto added_token_of = [&](std::string_view section) -> const AddedToken* {
    const auto it = added_by_content_.find(std::string(section));
    return it == added_by_content_.end() ? nullptr : &added_[it->second];
  };
  for (size_t i = 0; i < sections.size(); ++i) {
    const AddedToken* token = added_token_of(sections[i]);
    if (token == nullptr) continue;
    if (token->lstrip && i > 0) sections[i - 1] = unicode::TrimEndSpaces(sections[i - 1]);
    if (token->rstrip && i + 1 < sections.size()) {
      sections[i + 1] = unicode::TrimStartSpaces(sections[i + 1]);
    }
  }

  // 2. Each section: an added token's id, or normalized, pre-tokenized, BPE-encoded text.
  std::vector<int> ids;
  ids.reserve(all.size() / 3 + 4);
  for (size_t index = 0; index < sections.size(); ++index) {
    const std::string_view section = sections[index];
    if (section.empty()) continue;
    if (const AddedToken* token = added_token_of(section)) {
      ids.push_back(token->id);
    } else {
      EncodeSection(section, index, &ids);
    }
  }
  return ids;
}

void HfTokenizer::EncodeSection(std::string_view section, size_t section_index, std::vector<int>* ids) const {
  std::string normalized;
  if (!normalizer_.is_identity()) {
    normalized = normalizer_.Apply(section);
    if (normalized.empty()) return;
    section = normalized;
  }
  std::vector<std::string> pieces;
  pre_tokenizer_->Split(section, section_index, &pieces);
  const size_t first = ids->size();
  for (const std::string& piece : pieces) bpe_->Encode(piece, ids);
  if (fuse_unk_id_ < 0) return;
  // fuse_unk: each run of unknown tokens of the section becomes one.
  const auto fused = std::unique(ids->begin() + first, ids->end(),
                                 [&](int a, int b) { return a == fuse_unk_id_ && b == fuse_unk_id_; });
  ids->erase(fused, ids->end());
}

std::string HfTokenizer::DecodeIds(const std::vector<int>& ids, bool skip_special) const {
  std::string text;
  std::vector<std::string> tokens;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    if (skip_special && special_[id]) continue;
    if (decoder_) {
      tokens.push_back(token_text_[id]);
    } else {
      text += token_text_[id];
    }
  }
  return decoder_ ? decoder_->Decode(std::move(tokens)) : text;
}

std::string HfTokenizer::Decode(const std::vector<int>& ids) const { return DecodeIds(ids, true); }

std::string HfTokenizer::DecodeWithSpecialTokens(const std::vector<int>& ids) const {
  return DecodeIds(ids, false);
}

int HfTokenizer::TokenId(const std::string& token) const {
  const auto added = added_by_content_.find(token);
  if (added != added_by_content_.end()) return added_[added->second].id;
  if (!byte_level_) return bpe_->TokenId(token);
  const auto other = other_vocab_.find(token);
  if (other != other_vocab_.end()) return other->second;
  const std::optional<std::string> bytes = ByteLevelToBytes(token);
  return bytes ? bpe_->TokenId(*bytes) : -1;
}

bool HfTokenizer::EndsSolution(int id) const {
  return std::find(stop_ids_.begin(), stop_ids_.end(), id) != stop_ids_.end();
}

bool HfTokenizer::IsSpecial(int id) const {
  return id >= 0 && id < vocab_size() && special_[id];
}

std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::string& model_dir) {
  return HfTokenizer::Load(model_dir);
}

std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::string& model_dir,
                                           const HfTokenizerOptions& options) {
  return HfTokenizer::Load(model_dir, options);
}

}  // namespace steptree
