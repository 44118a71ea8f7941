//! `day5-wordcount`: count the most frequent words in files, concurrently. See `--help`.

fn main() -> std::process::ExitCode {
    day5_wordcount::cli::main()
}
