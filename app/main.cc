// steptree: process-supervised math reasoning data with search. Dispatches subcommands.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/version.h"
#include "core/input_error.h"

namespace steptree::app {
namespace {

std::vector<Command>& MutableCommands() {
  static std::vector<Command> commands;
  return commands;
}

void PrintUsage(std::ostream& out) {
  out << "steptree: process-supervised math reasoning data with search\n\n"
         "usage: steptree COMMAND [options]   (steptree COMMAND --help for its options)\n"
         "       steptree --version\n\n"
         "commands:\n";
  std::vector<Command> sorted = Commands();
  std::sort(sorted.begin(), sorted.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  for (const Command& c : sorted) {
    out << "  " << c.name << std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ')
        << c.summary << "\n";
  }
}

}  // namespace

const std::vector<Command>& Commands() { return MutableCommands(); }

const Command* FindCommand(const std::string& name) {
  for (const Command& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int RunCommand(const Command& command, const std::vector<std::string>& args) {
  // cxxopts reads one-letter names as short flags only; accept "--n 5" and "--n=5" too.
  std::vector<std::string> words{"steptree " + command.name};
  for (std::string arg : args) {
    if (arg.size() >= 3 && arg[0] == '-' && arg[1] == '-' && arg[2] != '-' && (arg.size() == 3 || arg[3] == '=')) {
      arg = "-" + arg.substr(2, 1) + (arg.size() > 4 ? arg.substr(4) : "");
    }
    words.push_back(std::move(arg));
  }
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  return command.run(static_cast<int>(argv.size()), argv.data());
}

std::optional<cxxopts::ParseResult> ParseOrHelp(cxxopts::Options& options, int argc, char** argv) {
  cxxopts::ParseResult result = options.parse(argc, argv);
  if (result.count("help")) {
    std::cout << options.help() << std::endl;
    return std::nullopt;
  }
  return result;
}

CommandRegistrar::CommandRegistrar(Command command) {
  MutableCommands().push_back(std::move(command));
}

}  // namespace steptree::app

namespace {

// Search allocates and frees KV caches and activations of a few MB on every model call.
// glibc serves blocks over its mmap threshold (128 KB at first) with fresh mappings, so each
// call paid page faults and kernel zeroing: 11% of an MCTS run's samples under perf. Keeping
// such blocks in the heap (served from memory already mapped, returned to the system only
// past 512 MB free) made `search --mode mcts` on 40 problems 13% faster for 4% more RSS.
void KeepLargeBlocksInTheHeap() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace steptree;
  KeepLargeBlocksInTheHeap();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    app::PrintUsage(std::cout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version")) {
    std::cout << app::VersionLine() << "\n";
    return 0;
  }
  const std::string name = argv[1];
  if (const app::Command* command = app::FindCommand(name)) {
    try {
      return app::RunCommand(*command, std::vector<std::string>(argv + 2, argv + argc));
    } catch (const InputError& e) {
      std::cerr << "steptree " << name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const UsageError& e) {
      std::cerr << "steptree " << name << ": usage error: " << e.what() << "\n";
      return 2;
    } catch (const cxxopts::exceptions::exception& e) {
      std::cerr << "steptree " << name << ": usage error: " << e.what() << "\n";
      return 2;
    } catch (const ExternalError& e) {
      std::cerr << "steptree " << name << ": error: " << e.what() << "\n";
      return 3;
    } catch (const std::filesystem::filesystem_error& e) {
      // A path the user gave that the system refused (permissions, a full disk, a file
      // where a folder should be): the user's to fix, so exit 2 with the path.
      std::cerr << "steptree " << name << ": error: " << e.path1().string() << ": expected an accessible path ("
                << e.code().message() << ")\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "steptree " << name << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "steptree: unknown command '" << name << "' (steptree --help lists them)\n";
  return 2;
}
