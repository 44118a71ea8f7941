//! `day5-wordcount`: count the most frequent words in files, concurrently. See `--help`.

fn main() -> std::process::ExitCode {
    #[cfg(feature = "server")]
    if std::env::args_os().nth(1).is_some_and(|a| a == "serve") {
        // `day5-wordcount serve …`: the HTTP server (a file named `serve` is `./serve`).
        return day5_wordcount::server::main_from(std::env::args_os().skip(1));
    }
    day5_wordcount::cli::main()
}
