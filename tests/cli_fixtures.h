// Fixtures of the command-line tests: running the binary, reading a file, and a tiny
// trained model (with and without a value head), trained once per test process.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/test_util.h"

namespace steptree::test {

inline std::string Steptree(const std::string& args) { return Binary() + " " + args; }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Trains a tiny model once per test process (a few seconds).
inline const std::string& TinyModel() {
  static TempDir dir;
  static const std::string model = [] {
    const std::string out = dir.path() + "/tiny";
    const auto r = Run(Steptree(
        "train-policy --run-dir " + out +
        " --steps 3 --layers 1 --width 32 --heads 2 --ff 64 --context 192 --difficulty 1-2"
        " --batch-tokens 2048 --eval-every 0 --threads 1 --json"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return out;
  }();
  return model;
}

// The tiny model with a value head trained for two steps on a handful of value paths: the
// demo and the value-ranked searches run on it.
inline const std::string& TinyModelWithValueHead() {
  static TempDir dir;
  static const std::string model = [] {
    const std::string paths = dir.Write(
        "paths.jsonl",
        "{\"question\": \"Evaluate 1+1.\", \"steps\": [{\"step\": \"1+1=2\", \"Q\": 0.5}, "
        "{\"step\": \"The answer is 2\", \"Q\": 1}]}\n"
        "{\"question\": \"Evaluate 2+2.\", \"steps\": [{\"step\": \"2+2=5\", \"Q\": -0.5}, "
        "{\"step\": \"The answer is 5\", \"Q\": -1}]}\n");
    const std::string out = dir.path() + "/tiny-value";
    const auto r = Run(Steptree("train --init " + TinyModel() + " --values " + paths + "," + paths +
                                      " --steps 2 --eval-every 0 --threads 1 --json --run-dir " + out));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return out;
  }();
  return model;
}

}  // namespace steptree::test
