// Replays every file of tests/fuzz/corpus/<target>/ through the fuzz targets, so that any
// compiler (gcc included) and every ctest run checks the seeds and any reproducer added
// to the corpus after a fix. A failing input aborts with the target's message; the
// signal handler names the file first.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int sluice_fuzz_request_decoder(const uint8_t* data, size_t size);
extern "C" int sluice_fuzz_batch_validator(const uint8_t* data, size_t size);
extern "C" int sluice_fuzz_codec_decompress(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

char current_input[4096];

void name_the_input(int signo) {
    const char prefix[] = "fuzz_corpus_replay: crashed on ";
    (void)!::write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!::write(STDERR_FILENO, current_input, std::strlen(current_input));
    (void)!::write(STDERR_FILENO, "\n", 1);
    ::signal(signo, SIG_DFL);
    ::raise(signo);
}

void replay(const std::string& target, int (*fn)(const uint8_t*, size_t)) {
    const fs::path dir = fs::path(SLUICE_FUZZ_CORPUS_DIR) / target;
    ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
    for (int signo : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(signo, name_the_input);
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
        std::snprintf(current_input, sizeof current_input, "%s", entry.path().c_str());
        // libFuzzer never passes a null pointer; keep it that way for empty files.
        static const uint8_t empty = 0;
        EXPECT_EQ(fn(bytes.empty() ? &empty : bytes.data(), bytes.size()), 0) << entry.path();
        ++files;
    }
    EXPECT_GT(files, 0u) << "no corpus files in " << dir;
}

TEST(fuzz_corpus_replay, request_decoder) {
    replay("request_decoder", sluice_fuzz_request_decoder);
}

TEST(fuzz_corpus_replay, batch_validator) {
    replay("batch_validator", sluice_fuzz_batch_validator);
}

TEST(fuzz_corpus_replay, codec_decompress) {
    replay("codec_decompress", sluice_fuzz_codec_decompress);
}

}  // namespace
