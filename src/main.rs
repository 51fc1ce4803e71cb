//! The `attune` binary is a shim: everything lives in `attune-web`, so the black-box tests start the
//! same server in-process. It sits in the root package because that package owns `tests/`, which
//! then gets `CARGO_BIN_EXE_attune` to test the command line end to end.

fn main() -> std::process::ExitCode {
    attune_web::cli::main()
}
