//! The `ao` binary: parse, run, map the error to an exit code (0 ok, 1 failure, 2 usage).

fn main() -> std::process::ExitCode {
    ao::cli::main()
}
