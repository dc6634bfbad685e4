#pragma once
// Starts the real sluiced binary as a child process with its stderr on a pipe, so tests
// can wait for log lines, send signals and collect the exit status.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::testing {

class sluiced_process {
  public:
    /// `max_open_files` > 0: the child's RLIMIT_NOFILE (soft and hard) before exec.
    explicit sluiced_process(const std::vector<std::string>& args, int max_open_files = 0) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) return;
        _pid = ::fork();
        if (_pid == 0) {
            ::dup2(p[1], STDERR_FILENO);
            if (max_open_files > 0) {
                rlimit l{static_cast<rlim_t>(max_open_files), static_cast<rlim_t>(max_open_files)};
                ::setrlimit(RLIMIT_NOFILE, &l);
            }
            std::vector<char*> argv;
            std::string path = SLUICED_PATH;
            argv.push_back(path.data());
            std::vector<std::string> copy = args;
            for (auto& a : copy) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(path.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(p[1]);
        _err = p[0];
    }
    ~sluiced_process() {
        if (_pid > 0 && !_exited) {
            ::kill(_pid, SIGKILL);
            wait_exit();
        }
        if (_err >= 0) ::close(_err);
    }

    /// Reads stderr until `needle` appears or the timeout passes. True if it appeared.
    bool wait_for(const std::string& needle, int timeout_ms = 20000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (_output.find(needle) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            if (left <= 0) return false;
            pollfd pfd{_err, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
            char buf[4096];
            ssize_t n = ::read(_err, buf, sizeof buf);
            if (n <= 0) return _output.find(needle) != std::string::npos;
            _output.append(buf, static_cast<size_t>(n));
        }
        return true;
    }
    void signal(int signo) { ::kill(_pid, signo); }
    /// Waits for exit; returns the exit code, or 128+signal.
    int wait_exit() {
        if (_exited) return _status;
        int st = 0;
        ::waitpid(_pid, &st, 0);
        _exited = true;
        _status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        // Collect whatever is left in the pipe.
        char buf[4096];
        ssize_t n;
        while ((n = ::read(_err, buf, sizeof buf)) > 0) _output.append(buf, static_cast<size_t>(n));
        return _status;
    }
    const std::string& output() const { return _output; }

  private:
    pid_t _pid = -1;
    int _err = -1;
    bool _exited = false;
    int _status = -1;
    std::string _output;
};

}  // namespace sluice::testing
