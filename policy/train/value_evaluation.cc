// Scoring a policy's value head on value-target paths (policy/train/value_evaluation.h).
#include "policy/train/value_evaluation.h"

#include <optional>
#include <string>

#include "policy/policy.h"
#include "policy/train/teacher_forcing.h"
#include "policy/train/training_path.h"
#include "value/value_head.h"

namespace steptree {

ValueReport EvaluateValues(const Policy& policy, const std::vector<ValuePathRecord>& paths,
                           const ValueEvalOptions& options) {
  std::vector<TrainingExample> examples;
  std::vector<const ValuePathRecord*> scored;
  long skipped = 0;
  for (const ValuePathRecord& path : paths) {
    std::optional<TrainingExample> example =
        EncodeTrainingPath(policy.prompt(), ValueTrainingPath(path, /*imitate_correct=*/false),
                           policy.context());
    if (!example) {
      ++skipped;
      continue;
    }
    examples.push_back(std::move(*example));
    scored.push_back(&path);
  }
  const TeacherForcedPass pass = TeacherForce(policy.lm(), &policy.value_head(), examples,
                                              policy.tokenizer().pad_id(), options.batch_tokens);
  std::vector<PrefixValue> prefixes;
  std::vector<std::string> questions;
  std::vector<double> final_values;
  std::vector<bool> correct;
  for (size_t i = 0; i < scored.size(); ++i) {
    const std::vector<PrefixValue> of_path = PathPrefixValues(scored[i]->q, pass.values[i]);
    prefixes.insert(prefixes.end(), of_path.begin(), of_path.end());
    questions.push_back(scored[i]->question);
    final_values.push_back(of_path.back().value);
    correct.push_back(scored[i]->correct());
  }
  ValueReport report = ScorePrefixValues(prefixes, static_cast<long>(scored.size()));
  report.n_skipped_paths = skipped;
  report.auc_within_question = WithinQuestionAuc(questions, final_values, correct, &report.questions_with_both);
  std::vector<ScoredPath> scored_paths;
  for (size_t i = 0; i < scored.size(); ++i) {
    scored_paths.push_back({&scored[i]->question, &scored[i]->steps, &pass.values[i], scored[i]->correct()});
  }
  report.auc_depth_matched = DepthMatchedAuc(scored_paths, &report.depth_matched_pairs);
  return report;
}

}  // namespace steptree
