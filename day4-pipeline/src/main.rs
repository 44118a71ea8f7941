//! Runs the day's experiments with short narration: the data-flow diagram, a full run with
//! per-stage counts, a run stopped short, and a run cancelled by its deadline.

#[cfg(not(loom))]
fn main() {
    tour::main();
}

#[cfg(loom)]
fn main() {
    eprintln!("day4-pipeline: the tour needs day 2's Context, which is not built under --cfg loom");
}

#[cfg(not(loom))]
mod tour {
    use std::time::Duration;

    use clap::Parser;
    use day2_context::Context;
    use day4_pipeline::diagram::DIAGRAM;
    use day4_pipeline::report::{DemoRun, cores, demo};

    /// Week 6, Thursday: a generate → process (fan-out) → sink pipeline with cancellation.
    #[derive(Parser, Debug)]
    #[command(version, about)]
    struct Args {
        /// Short parameters (a second or two in release).
        #[arg(long)]
        quick: bool,
        /// Fan-out workers of the `process` stage (default: the core count).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
        workers: Option<u64>,
    }

    fn show(run: &DemoRun) {
        println!("{}", run.counts);
        let verdict = match &run.result {
            Ok(()) => "Ok(())".to_owned(),
            Err(e) => format!("Err({e})"),
        };
        println!(
            "The sink took {} items; wait() = {verdict}; stage threads alive after wait(): {}.\n",
            run.taken, run.live_after_wait
        );
    }

    /// The stop-short and cancel runs lose items at the stop: say where each one was.
    fn show_where_items_went(run: &DemoRun) {
        println!("Where the generated items went (the rows add up to the first):\n");
        println!("{}", run.where_items_went());
    }

    pub(super) fn main() {
        let args = Args::parse();
        let workers = args.workers.map_or_else(cores, |w| w as usize);
        let items = if args.quick { 20_000 } else { 200_000 };

        println!("# Day 4: pipeline, fan-out / fan-in, cancellation\n");
        println!("The pipeline's data flow:\n```{DIAGRAM}```\n");

        println!(
            "## 1. Run to completion: {items} items, `process` fanned out to {workers} workers\n"
        );
        show(&demo(&Context::background(), items, workers, u64::MAX));

        println!("## 2. Stop short: endless input, the sink takes 10 items and returns\n");
        println!("Its Receiver is dropped, so every upstream send fails and each stage returns.\n");
        let stopped = demo(&Context::background(), u64::MAX, workers, 10);
        show(&stopped);
        show_where_items_went(&stopped);

        println!("## 3. Cancel: endless input, the context's deadline is 50 ms away\n");
        println!("done() fires and every stage's next select! picks it, even mid-send.\n");
        let (ctx, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(50));
        let cancelled = demo(&ctx, u64::MAX, workers, u64::MAX);
        show(&cancelled);
        show_where_items_went(&cancelled);

        println!("The measured tables (sequential vs rayon vs tokio, batching, channel capacity):");
        println!("`cargo run --release -p day4-pipeline --example day4-measure`.");
    }
}
