// Fuzz target: trees files, the input of `export` and `audit` (export/tree_input.h), each
// tree then exported in every format and audited.
#include <string>

#include "core/input_error.h"
#include "export/audit.h"
#include "export/exporter.h"
#include "export/tree_input.h"
#include "fuzz/fuzz_targets.h"

namespace steptree::fuzz {

int FuzzTreeReader(const uint8_t* data, size_t size) {
  const std::string path = WriteScratchFile("trees.jsonl", data, size);
  try {
    TreeFileReader reader(path);
    SearchedTree tree;
    int count = 0;
    while (reader.Next(&tree) && count++ < 8) {
      for (ExportFormat format : {ExportFormat::kSft, ExportFormat::kValue, ExportFormat::kPrm,
                                  ExportFormat::kPairs}) {
        ExportOptions options;
        options.format = format;
        ExportSummary summary;
        ExportTree(tree, options, &summary);
      }
      AuditReport report;
      AuditTree(tree, AuditOptions{}, &report);
    }
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz
