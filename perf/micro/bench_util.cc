#include "bench_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "sluice/storage/record_batch_builder.h"

namespace sluice::perf {

std::vector<uint8_t> make_batch(int records) {
    return storage::make_test_batch(records, record_value_bytes, bench_now_ms,
                                    static_cast<uint32_t>(records));
}

std::filesystem::path bench_root() {
    if (const char* dir = ::getenv("SLUICE_BENCH_DIR"); dir && *dir) return dir;
    return SLUICE_BENCH_DEFAULT_DIR;
}

scratch_dir::scratch_dir() {
    std::filesystem::path root = bench_root();
    std::filesystem::create_directories(root);
    std::string tmpl = (root / "run-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        std::fprintf(stderr, "cannot create a directory under %s\n", root.c_str());
        std::abort();
    }
    _path = tmpl;
}

scratch_dir::~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
}

std::unique_ptr<io::reactor> make_reactor(benchmark::State& state) {
    std::string why;
    auto r = io::reactor::create(io::reactor_config{}, &why);
    if (!r) {
        state.SkipWithError(("io_uring unavailable: " + why).c_str());
        return nullptr;
    }
    return std::move(r).value();
}

void prepare_pages() {
    const char* pages = ::getenv("SLUICE_BENCH_PAGES");
    if (pages == nullptr || *pages == '\0') return;
    if (std::strcmp(pages, "cold") == 0) {
        ::sleep(8);
        return;
    }
    if (std::strcmp(pages, "hot") != 0) {
        std::fprintf(stderr, "SLUICE_BENCH_PAGES must be cold or hot, not '%s'\n", pages);
        std::exit(2);
    }
    scratch_dir dir;
    const std::filesystem::path path = dir.path() / "warm-up";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    std::vector<uint8_t> chunk(4 << 20, 1);
    for (size_t at = 0; at < (1280u << 20); at += chunk.size()) {
        if (::pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(at)) < 0) break;
    }
    ::close(fd);
    // scratch_dir's destructor unlinks the file: its dirty folios are dropped, unwritten,
    // and go back to the free lists, where the run's allocations find them.
}

}  // namespace sluice::perf
